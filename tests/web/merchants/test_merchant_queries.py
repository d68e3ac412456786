"""The two hot pages of the back office make a fixed number of queries, however many rows."""

from __future__ import annotations

import pytest

from tests.factories import VariantFactory
from tests.web.merchants.helpers import paid_order

pytestmark = pytest.mark.django_db

# session, user, membership (with shop and town), counts by tab, the page's shop orders
INBOX_QUERIES = 5
# session, user, membership, product count, categories (filter), products, their variants with stock
PRODUCT_LIST_QUERIES = 7


def test_the_orders_inbox_makes_five_queries(
    client, login, town, shop, owner, django_assert_num_queries
):
    for _ in range(6):
        paid_order(town, shop)
    login(owner)

    with django_assert_num_queries(INBOX_QUERIES):
        page = client.get(f"/commercant/{town.slug}/{shop.slug}/commandes/")
    with django_assert_num_queries(INBOX_QUERIES):
        fragment = client.get(
            f"/commercant/{town.slug}/{shop.slug}/commandes/?etat=new", HTTP_HX_REQUEST="true"
        )

    assert page.content.count(b"/commandes/") >= 6
    assert fragment.status_code == 200


def test_the_product_list_makes_seven_queries(
    client, login, town, shop, owner, django_assert_num_queries
):
    for index in range(8):
        VariantFactory(product__vendor=shop, vendor=shop, product__name=f"Produit {index}")
    login(owner)

    with django_assert_num_queries(PRODUCT_LIST_QUERIES):
        page = client.get(f"/commercant/{town.slug}/{shop.slug}/produits/")
    with django_assert_num_queries(PRODUCT_LIST_QUERIES):
        client.get(f"/commercant/{town.slug}/{shop.slug}/produits/?q=produit")

    assert page.content.count(b"/produits/") >= 8
