"""Item 11 of issue #15: `node(id)` shows what the type's own fields show, to whom they show it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.checkout.helpers import (
    COMPLETE,
    CREATE,
    EMAIL,
    LINES_ADD,
    gid,
    line,
    shop,
    town,
    variant,
)
from tests.factories import UserFactory, VariantFactory, VendorFactory, VendorMemberFactory
from vendors.models import VendorRole, VendorStatus

pytestmark = pytest.mark.django_db

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


@pytest.fixture(autouse=True)
def _dummy_gateway(settings):
    settings.PAYMENT_GATEWAY = "dummy"


def test_a_pending_shop_is_hidden_through_its_variants_and_products(gql):
    pending = VendorFactory(status=VendorStatus.PENDING)
    member = UserFactory(email="member@example.org")
    VendorMemberFactory(vendor=pending, user=member, role=VendorRole.OWNER)
    item = VariantFactory(product__vendor=pending, stock=2)
    ids = [gid("Variant", item.pk), gid("Product", item.product_id), gid("Vendor", pending.pk)]

    anonymous = [gql.execute(NODE, {"id": i})["node"] for i in ids]
    customer = [gql.login(UserFactory()).execute(NODE, {"id": i})["node"] for i in ids]
    own = [gql.login(member).execute(NODE, {"id": i})["node"] for i in ids]

    assert anonymous == [None, None, None]
    assert customer == [None, None, None]
    assert [n["__typename"] for n in own] == ["Variant", "Product", "Vendor"]


def _order(gql, customer=None):
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00")})
    bread = variant(bakery, price="3.10", stock=4)
    if customer is not None:
        gql.login(customer)
    checkout = gql.execute(CREATE, {"input": {"town": city.slug}})["checkoutCreate"]["checkout"]
    gql.execute(LINES_ADD, {"id": checkout["id"], "lines": [line(bread, 1)]})
    if customer is None:
        gql.execute(EMAIL, {"id": checkout["id"], "email": "guest@example.org"})
    done = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert done["errors"] == []
    return done["order"], bakery


def test_an_order_and_its_shop_orders_are_nodes_for_their_owner_only(gql):
    owner = UserFactory(email="owner@example.org")
    order, bakery = _order(gql, owner)
    ids = [order["id"], order["shopOrders"][0]["id"]]
    baker = UserFactory(email="baker@example.org")
    VendorMemberFactory(vendor=bakery, user=baker, role=VendorRole.OWNER)

    mine = [gql.login(owner).execute(NODE, {"id": i})["node"] for i in ids]
    shop_view = gql.login(baker).execute(NODE, {"id": ids[1]})["node"]
    stranger = [gql.login(UserFactory()).execute(NODE, {"id": i})["node"] for i in ids]
    anonymous = [gql.logout().execute(NODE, {"id": i})["node"] for i in ids]

    assert mine == [
        {"__typename": "Order", "id": ids[0]},
        {"__typename": "ShopOrder", "id": ids[1]},
    ]
    assert shop_view == {"__typename": "ShopOrder", "id": ids[1]}
    assert stranger == [None, None]
    assert anonymous == [None, None]


def test_a_guest_reaches_the_order_node_with_the_order_s_token(gql):
    order, _bakery = _order(gql)
    query = """query($t: UUID!, $id: ID!) { orderByToken(token: $t) { number }
        node(id: $id) { __typename id } }"""

    with_token = gql.logout().execute(query, {"t": order["token"], "id": order["id"]})
    without = gql.execute(NODE, {"id": order["id"]})

    assert with_token["node"] == {"__typename": "Order", "id": order["id"]}
    assert without == {"node": None}
