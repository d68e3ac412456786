"""A town's shops with products and variants cost the same SQL whatever the page size."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import ProductFactory, VariantFactory, VendorFactory

QUERY = """
query($first: Int!) {
  town(slug: "montpellier") {
    vendors(first: $first) {
      totalCount
      edges { node {
        name
        fulfilmentMethods { method fee { amount currency } }
        products(first: 10) { totalCount edges { node {
          name category { slug }
          variants { sku price { amount currency } quantityAvailable }
        } } }
      } }
    }
  }
}
"""


@pytest.fixture
def town_with_shops(world):
    for index in range(6):
        shop = VendorFactory(
            town=world.town,
            slug=f"shop-{index}",
            methods={"pickup": Decimal("0"), "local_delivery": Decimal("3.50")},
        )
        for product_index in range(3):
            product = ProductFactory(vendor=shop, category=world.category, name=f"P{product_index}")
            for variant_index in range(2):
                VariantFactory(product=product, sku=f"S{index}-{product_index}-{variant_index}")
    return world


def _run(gql, first):
    data = gql.execute(QUERY, {"first": first})
    return data["town"]["vendors"]["edges"]


def test_page_size_does_not_change_the_query_count(gql, town_with_shops, django_assert_num_queries):
    # town, vendors count + page, fulfilment methods, currency, products, categories, variants,
    # quantities available
    with django_assert_num_queries(9):
        small = _run(gql, 3)
    with django_assert_num_queries(9):
        large = _run(gql, 8)
    assert len(small) == 3
    assert len(large) == 8
    assert [len(e["node"]["products"]["edges"]) for e in large] == [0, 0, 3, 3, 3, 3, 3, 3]
    variant = large[2]["node"]["products"]["edges"][0]["node"]["variants"][0]
    assert variant == {
        "sku": "S0-0-0",
        "price": {"amount": "10.00", "currency": "EUR"},
        "quantityAvailable": 10,
    }


MY_VENDORS = """
{ myVendors { slug myRole members { email role } invitations { email }
  products { edges { node { variants { stockQuantity quantityAllocated lowStockThreshold } } } } } }
"""


def test_private_fields_batch_across_shops(gql, world, django_assert_num_queries):
    # given a user who is a member of 2, then of 4 shops
    from tests.factories import VendorMemberFactory

    shops = [VendorFactory(town=world.town, slug=f"mine-{i}") for i in range(4)]
    for shop in shops:
        VariantFactory(product=ProductFactory(vendor=shop, category=world.category))
    VendorMemberFactory(vendor=shops[0], user=world.customer)
    VendorMemberFactory(vendor=shops[1], user=world.customer)
    gql.login(world.customer)
    # then the query count is the same
    with django_assert_num_queries(10):
        assert len(gql.execute(MY_VENDORS)["myVendors"]) == 2
    VendorMemberFactory(vendor=shops[2], user=world.customer)
    VendorMemberFactory(vendor=shops[3], user=world.customer)
    with django_assert_num_queries(10):
        data = gql.execute(MY_VENDORS)["myVendors"]
    assert len(data) == 4
    assert data[0]["members"] == [{"email": "client@example.org", "role": "OWNER"}]
    assert data[0]["products"]["edges"][0]["node"]["variants"] == [
        {"stockQuantity": 10, "quantityAllocated": 0, "lowStockThreshold": None}
    ]
