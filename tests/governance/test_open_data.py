"""Open-data downloads of a town's catalogue and commission rules, without an account."""

import csv
import io

import pytest
from graphql_relay import to_global_id

from tests.factories import CategoryFactory, ProductFactory, VariantFactory, VendorFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def catalogue(town):
    bakery = CategoryFactory(slug="boulangerie", name="Boulangerie")
    shop = VendorFactory(town=town, slug="fournil", name="Le Fournil", category=bakery)
    bread = ProductFactory(vendor=shop, slug="pain", name="Pain de campagne", category=bakery)
    VariantFactory(product=bread, sku="PAIN-500", name="500 g", price="3.20", stock=4)
    VariantFactory(product=bread, sku="PAIN-1K", name="1 kg", price="5.90", stock=0)
    hidden = VendorFactory(town=town, slug="cache", status=VendorStatus.SUSPENDED)
    VariantFactory(product=ProductFactory(vendor=hidden), sku="HIDDEN")
    VendorFactory(town=town, slug="vide", name="Vide")
    return shop


def test_the_catalogue_csv_lists_every_variant_of_approved_shops(client, catalogue):
    response = client.get("/open-data/montpellier/catalogue.csv")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert _csv(response) == [
        {
            "shop_slug": "fournil",
            "shop_name": "Le Fournil",
            "shop_category": "boulangerie",
            "shop_city": "Montpellier",
            "product_slug": "pain",
            "product_name": "Pain de campagne",
            "category": "boulangerie",
            "sku": "PAIN-500",
            "variant_name": "500 g",
            "price": "3.20",
            "currency": "EUR",
            "quantity_available": "4",
            "available": "True",
        },
        {
            "shop_slug": "fournil",
            "shop_name": "Le Fournil",
            "shop_category": "boulangerie",
            "shop_city": "Montpellier",
            "product_slug": "pain",
            "product_name": "Pain de campagne",
            "category": "boulangerie",
            "sku": "PAIN-1K",
            "variant_name": "1 kg",
            "price": "5.90",
            "currency": "EUR",
            "quantity_available": "0",
            "available": "False",
        },
    ]


def test_the_catalogue_json_nests_shops_products_and_variants(client, catalogue):
    document = client.get("/open-data/montpellier/catalogue.json").json()

    assert (document["town"], document["currency"]) == ("montpellier", "EUR")
    assert [shop["slug"] for shop in document["shops"]] == ["fournil", "vide"]
    fournil = document["shops"][0]
    assert fournil["products"] == [
        {
            "slug": "pain",
            "name": "Pain de campagne",
            "category": "boulangerie",
            "variants": [
                {
                    "sku": "PAIN-500",
                    "name": "500 g",
                    "price": "3.20",
                    "quantity_available": 4,
                    "available": True,
                },
                {
                    "sku": "PAIN-1K",
                    "name": "1 kg",
                    "price": "5.90",
                    "quantity_available": 0,
                    "available": False,
                },
            ],
        }
    ]
    assert document["shops"][1]["products"] == []


def test_unknown_towns_and_formats_are_not_found(client, town):
    assert client.get("/open-data/atlantis/catalogue.csv").status_code == 404
    assert client.get("/open-data/montpellier/catalogue.xml").status_code == 404


def test_the_rules_and_their_history_download_as_csv_and_json(gql, client, admin, town):
    shop = VendorFactory(town=town, slug="fournil")
    gql.login(admin)
    created = gql.execute(
        'mutation($v: ID!) { commissionRuleCreate(input: {town: "montpellier", vendor: $v, '
        'percentage: "3", minAmount: "0.50"}) { commissionRule { id } } }',
        {"v": to_global_id("Vendor", shop.pk)},
    )["commissionRuleCreate"]["commissionRule"]
    gql.execute(
        'mutation($id: ID!) { commissionRuleUpdate(id: $id, input: {percentage: "2.5"}) { errors { code } } }',
        {"id": created["id"]},
    )

    rows = _csv(client.get("/open-data/montpellier/commission-rules.csv"))
    document = client.get("/open-data/montpellier/commission-rules.json").json()

    assert [
        (r["scope"], r["shop"], r["percentage"], r["min_amount"], r["status"]) for r in rows
    ] == [
        ("vendor", "fournil", "2.500", "0.50", "active"),
        ("vendor", "fournil", "3.000", "0.50", "superseded"),
    ]
    assert rows[0]["previous_id"] == rows[1]["id"]
    assert rows[1]["valid_until"] == rows[0]["valid_from"]
    assert [rule["status"] for rule in document["rules"]] == ["active", "superseded"]
    assert document["rules"][0]["percentage"] == "2.500"
