import pytest
from graphql_relay import to_global_id

from marketplace.towns.loading import load_towns
from tests.factories import ProductFactory, VariantFactory, VendorFactory
from vendors.models import Product, VendorStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(towns_data):
    load_towns(towns_data)


def test_towns_lists_the_four_demo_towns_with_their_centre(gql, demo):
    data = gql.execute("{ towns { slug name currency center { latitude longitude } } }")

    assert [t["slug"] for t in data["towns"]] == ["montpellier", "nancy", "rennes", "saint-etienne"]
    assert data["towns"][0] == {
        "slug": "montpellier",
        "name": "Montpellier",
        "currency": "EUR",
        "center": {"latitude": 43.6108, "longitude": 3.8767},
    }


def test_a_town_pages_through_its_approved_shops(gql, demo):
    query = """query($after: String) { town(slug: "nancy") {
        vendors(first: 10, after: $after) { totalCount pageInfo { hasNextPage endCursor }
          edges { node { slug } } } } }"""

    first = gql.execute(query)["town"]["vendors"]
    second = gql.execute(query, {"after": first["pageInfo"]["endCursor"]})["town"]["vendors"]

    assert first["totalCount"] == 16
    assert len(first["edges"]) == 10 and first["pageInfo"]["hasNextPage"] is True
    assert len(second["edges"]) == 6 and second["pageInfo"]["hasNextPage"] is False
    slugs = [e["node"]["slug"] for e in first["edges"] + second["edges"]]
    assert len(set(slugs)) == 16


def test_a_town_filters_its_shops_by_category(gql, demo):
    data = gql.execute(
        '{ town(slug: "rennes") { vendors(category: "fromagerie") { edges { node { slug category { slug } } } } } }'
    )

    nodes = [e["node"] for e in data["town"]["vendors"]["edges"]]
    assert nodes and all(n["category"]["slug"] == "fromagerie" for n in nodes)


def test_a_vendor_shows_its_public_profile(gql, demo):
    data = gql.execute("""{ vendor(town: "montpellier", slug: "boulangerie-du-marche") {
        slug name status address { street postalCode city country } location { latitude longitude }
        openingHours fulfilmentMethods { method fee { amount currency } }
        products(first: 3) { totalCount edges { node { name } } } } }""")

    vendor = data["vendor"]
    assert vendor["status"] == "APPROVED"
    assert vendor["address"] == {
        "street": "60 Rue de l'Aiguillerie",
        "postalCode": "34000",
        "city": "Montpellier",
        "country": "FR",
    }
    assert vendor["location"] == {"latitude": 43.595071, "longitude": 3.887557}
    assert vendor["fulfilmentMethods"] == [
        {"method": "PICKUP", "fee": {"amount": "0.00", "currency": "EUR"}}
    ]
    assert vendor["products"]["totalCount"] == 11
    assert '"sun": null' in vendor["openingHours"]


def test_a_product_is_found_by_its_global_id_with_variants_and_availability(gql, demo):
    product = Product.objects.get(slug="pain-de-campagne", vendor__town__slug="montpellier")

    data = gql.execute(
        """query($id: ID!) { product(id: $id) { name category { slug name }
        vendor { slug } variants { sku name price { amount currency } quantityAvailable vatRate } } }""",
        {"id": to_global_id("Product", product.pk)},
    )

    assert data["product"] == {
        "name": "Pain de campagne",
        "category": {"slug": "boulangerie-patisserie", "name": "Boulangerie & pâtisserie"},
        "vendor": {"slug": "boulangerie-du-marche"},
        "variants": [
            {
                "sku": "MON-BOULANGE-374516-1",
                "name": "500 g",
                "price": {"amount": "4.36", "currency": "EUR"},
                "quantityAvailable": 25,
                "vatRate": "5.50",
            },
            {
                "sku": "MON-BOULANGE-374516-2",
                "name": "1 kg",
                "price": {"amount": "8.60", "currency": "EUR"},
                "quantityAvailable": 26,
                "vatRate": "5.50",
            },
        ],
    }


def test_node_resolves_a_town(gql, demo):
    data = gql.execute('{ town(slug: "rennes") { id } }')

    node = gql.execute(
        "query($id: ID!) { node(id: $id) { ... on Town { slug } } }", {"id": data["town"]["id"]}
    )

    assert node == {"node": {"slug": "rennes"}}


def test_a_pending_shop_and_its_products_are_not_public(gql):
    vendor = VendorFactory(status=VendorStatus.PENDING, slug="pas-encore")
    product = ProductFactory(vendor=vendor)
    VariantFactory(product=product)

    data = gql.execute(
        """query($id: ID!, $town: String!) { vendor(town: $town, slug: "pas-encore") { slug }
        product(id: $id) { name } }""",
        {"id": to_global_id("Product", product.pk), "town": vendor.town.slug},
    )

    assert data == {"vendor": None, "product": None}


def test_an_id_of_another_type_finds_nothing(gql, demo):
    assert gql.execute('query { product(id: "VG93bjox") { name } }') == {"product": None}


def test_a_too_deep_query_is_refused(gql, demo):
    body = gql.execute(
        """{ towns { vendors { edges { node { products { edges { node { vendor {
        products { edges { node { vendor { name } } } } } } } } } } } } }""",
        expect_errors=True,
    )

    assert "dépasse la profondeur maximale" in body["errors"][0]["message"]


def test_a_too_costly_query_is_refused(gql, demo):
    body = gql.execute(
        """{ towns { vendors(first: 100) { edges { node { products(first: 100) {
        edges { node { variants { sku price { amount } } } } } } } } } }""",
        expect_errors=True,
    )

    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


def test_a_page_larger_than_the_maximum_is_refused(gql, demo):
    body = gql.execute(
        '{ town(slug: "nancy") { vendors(first: 1000) { totalCount } } }', expect_errors=True
    )

    error = body["errors"][0]
    assert error["message"] == "first doit être compris entre 0 et 100."  # French by default
    assert error["extensions"] == {"code": "INVALID", "field": "first"}


def test_a_query_text_is_validated_once_and_then_served_from_the_cache(gql, demo):
    from marketplace.graphql.core.views import _validated_cached

    query = "query($slug: String!) { town(slug: $slug) { name } }"
    before = _validated_cached.cache_info()
    first = gql.execute(query, {"slug": "nancy"})
    second = gql.execute(query, {"slug": "rennes"})
    after = _validated_cached.cache_info()

    assert (first["town"]["name"], second["town"]["name"]) == ("Nancy", "Rennes")
    assert after.hits - before.hits >= 1
    assert after.currsize - before.currsize <= 1


def test_an_invalid_query_is_refused_every_time_and_never_cached(gql, demo):
    from marketplace.graphql.core.views import _validated_cached

    size = _validated_cached.cache_info().currsize
    for _ in range(2):
        bad = gql.execute("{ town(slug: 1) { nope } }", expect_errors=True)
        syntax = gql.execute("{ town(", expect_errors=True)
        assert bad.get("data") is None
        messages = " ".join(error["message"] for error in bad["errors"])
        assert "Cannot query field 'nope'" in messages
        assert "String cannot represent a non string value: 1" in messages
        assert "Syntax Error" in syntax["errors"][0]["message"]
    assert _validated_cached.cache_info().currsize == size


def test_a_mutation_over_get_is_refused(client):
    response = client.get(
        "/graphql/",
        {"query": 'mutation { tokenCreate(email: "a@b.c", password: "x") { token } }'},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 405


def test_graphiql_s_introspection_query_passes_every_validation_rule(gql, settings):
    from graphql import get_introspection_query

    settings.GRAPHQL_INTROSPECTION = True  # on in the demo (DJANGO_DEBUG), off by default
    data = gql.execute(get_introspection_query(descriptions=True))

    assert {"Query", "Mutation", "Checkout"} <= {t["name"] for t in data["__schema"]["types"]}
