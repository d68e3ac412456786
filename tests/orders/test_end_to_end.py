"""From an empty cart to a collected order, through the GraphQL API only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.checkout.helpers import (
    COMPLETE,
    CREATE,
    DELIVERY,
    LINES_ADD,
    contact,
    gid,
    line,
    shop,
    town,
    variant,
)
from tests.factories import UserFactory, VendorMemberFactory
from vendors.models import Stock

pytestmark = pytest.mark.django_db

STEP = """mutation($id: ID!) {
  accept: shopOrderAccept(id: $id) { errors { code } }
  ready: shopOrderMarkReady(id: $id) { errors { code } }
  fulfil: shopOrderFulfil(id: $id) { shopOrder { status } errors { code } }
}"""
MY_ORDERS = "{ me { orders { edges { node { number status total { amount } } } } } }"
BY_TOKEN = "query($t: UUID!) { orderByToken(token: $t) { status shopOrders { status } } }"


def _scenario(gql, customer=None):
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00"), "local_delivery": Decimal("2.50")})
    baker = VendorMemberFactory(vendor=bakery, user=UserFactory(email="baker@example.org")).user
    bread = variant(bakery, price="3.10", stock=4)
    if customer is not None:
        gql.login(customer)
    # an empty cart
    checkout = gql.execute(CREATE, {"input": {"town": city.slug}})["checkoutCreate"]["checkout"]
    assert checkout["lines"] == []
    # lines, a delivery choice, an email for a guest
    gql.execute(LINES_ADD, {"id": checkout["id"], "lines": [line(bread, 2)]})
    chosen = gql.execute(
        DELIVERY,
        {"id": checkout["id"], "vendor": gid("Vendor", bakery.pk), "method": "LOCAL_DELIVERY"},
    )["checkoutDeliveryMethodUpdate"]["checkout"]
    assert chosen["total"]["amount"] == "8.70"
    # the customer's name and, as the bakery delivers, the address (a guest's email too)
    email = "guest@example.org" if customer is None else customer.email
    assert contact(gql, checkout, email=email)["errors"] == []
    # complete
    done = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert done["errors"] == []
    order = done["order"]
    assert (order["status"], order["total"]["amount"]) == ("PAID", "8.70")
    shop_order = order["shopOrders"][0]
    assert (shop_order["payout"]["amount"], shop_order["commission"]["amount"]) == ("8.39", "0.31")
    # the shop accepts, prepares and hands it over
    steps = gql.login(baker).execute(STEP, {"id": shop_order["id"]})
    assert steps["fulfil"]["shopOrder"]["status"] == "FULFILLED"
    assert [steps[k]["errors"] for k in ("accept", "ready", "fulfil")] == [[], [], []]
    stock = Stock.objects.get(variant=bread)
    assert (stock.quantity, stock.quantity_allocated) == (2, 0)
    return order


def test_guest_from_empty_cart_to_collected_order(gql):
    order = _scenario(gql)
    seen = gql.logout().execute(BY_TOKEN, {"t": order["token"]})["orderByToken"]
    assert seen == {"status": "CLOSED", "shopOrders": [{"status": "FULFILLED"}]}


def test_logged_in_customer_from_empty_cart_to_collected_order(gql):
    alice = UserFactory(email="alice@example.org")
    order = _scenario(gql, customer=alice)
    mine = gql.login(alice).execute(MY_ORDERS)["me"]["orders"]["edges"]
    assert [edge["node"] for edge in mine] == [
        {"number": order["number"], "status": "CLOSED", "total": {"amount": "8.70"}}
    ]
