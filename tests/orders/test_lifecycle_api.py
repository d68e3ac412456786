"""ShopOrder lifecycle through the GraphQL API: who may do what, stock, emails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from marketplace.governance.models import AuditEntry
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.orders.tasks import send_order_notification
from tests.checkout.helpers import COMPLETE, CREATE, contact, gid, line, shop, town, variant
from tests.factories import TownStaffFactory, UserFactory, VendorMemberFactory
from vendors.models import Stock, StockMovement, StockMovementReason

pytestmark = pytest.mark.django_db

ACCEPT = (
    "mutation($id: ID!) { shopOrderAccept(id: $id) { shopOrder { status } errors { field code } } }"
)
READY = "mutation($id: ID!) { shopOrderMarkReady(id: $id) { shopOrder { status } errors { field code } } }"
FULFIL = (
    "mutation($id: ID!) { shopOrderFulfil(id: $id) { shopOrder { status } errors { field code } } }"
)
REFUSE = """mutation($id: ID!, $reason: String!) {
  shopOrderRefuse(id: $id, reason: $reason) { shopOrder { status statusReason } errors { field code } }
}"""
CANCEL = """mutation($id: ID!, $reason: String!, $token: UUID) {
  shopOrderCancel(id: $id, reason: $reason, token: $token) {
    shopOrder { status statusReason } errors { field code }
  }
}"""
SHOP_ORDERS = """query($vendor: ID!, $status: ShopOrderStatus, $first: Int, $after: String) {
  shopOrders(vendor: $vendor, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number status customerEmail customerName subtotal { amount } lines { sku quantity } } }
  }
}"""


@pytest.fixture
def market(gql):
    """A guest order over two shops, each with an owner."""
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00")})
    cheese = shop(city, "cheese", {"local_delivery": Decimal("3.00")})
    bread = variant(bakery, price="2.00", stock=10)
    brie = variant(cheese, price="8.00", stock=5)
    baker = VendorMemberFactory(vendor=bakery, user=UserFactory(email="baker@example.org")).user
    cheesemonger = VendorMemberFactory(
        vendor=cheese, user=UserFactory(email="cheese@example.org")
    ).user
    checkout = gql.execute(
        CREATE,
        {
            "input": {
                "town": city.slug,
                "email": "guest@example.org",
                "lines": [line(bread, 3), line(brie, 2)],
            }
        },
    )["checkoutCreate"]["checkout"]
    # The cheese shop delivers: the guest gives an address.
    assert contact(gql, checkout, email="guest@example.org")["errors"] == []
    order = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]["order"]
    return {
        "town": city,
        "order": order,
        "bakery": bakery,
        "cheese": cheese,
        "bread": bread,
        "brie": brie,
        "baker": baker,
        "cheesemonger": cheesemonger,
        "bakery_so": order["shopOrders"][0]["id"],
        "cheese_so": order["shopOrders"][1]["id"],
    }


def _codes(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


def test_full_flow_from_paid_to_fulfilled_consumes_stock(gql, market):
    # given the baker
    gql.login(market["baker"])
    so = market["bakery_so"]
    # when they accept, mark ready and fulfil
    accepted = gql.execute(ACCEPT, {"id": so})["shopOrderAccept"]
    ready = gql.execute(READY, {"id": so})["shopOrderMarkReady"]
    fulfilled = gql.execute(FULFIL, {"id": so})["shopOrderFulfil"]
    # then each step moved the status
    assert [accepted["shopOrder"]["status"], ready["shopOrder"]["status"]] == ["ACCEPTED", "READY"]
    assert fulfilled["shopOrder"]["status"] == "FULFILLED"
    # and the stock was consumed: quantity 10 -> 7, nothing allocated, a sale movement recorded
    stock = Stock.objects.get(variant=market["bread"])
    assert (stock.quantity, stock.quantity_allocated) == (7, 0)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.delta, movement.quantity_after, movement.reason, movement.note) == (
        -3,
        7,
        StockMovementReason.SALE,
        Order.objects.get().number,  # the order the shopkeeper knows, in no language
    )
    assert movement.user == market["baker"]
    # the other shop's stock is still allocated, so the order stays open
    assert Stock.objects.get(variant=market["brie"]).quantity_allocated == 2
    assert Order.objects.get().status == "paid"


def test_invalid_transitions_are_coded_errors(gql, market):
    gql.login(market["baker"])
    so = market["bakery_so"]
    early_fulfil = gql.execute(FULFIL, {"id": so})["shopOrderFulfil"]
    gql.execute(ACCEPT, {"id": so})
    accept_again = gql.execute(ACCEPT, {"id": so})["shopOrderAccept"]
    assert _codes(early_fulfil) == [("id", "INVALID_TRANSITION")]
    assert _codes(accept_again) == [("id", "INVALID_TRANSITION")]
    assert ShopOrder.objects.get(pk=ShopOrder.objects.order_by("pk")[0].pk).status == "accepted"


def test_only_the_shops_members_move_their_shop_order(gql, market):
    as_other_shop = gql.login(market["cheesemonger"]).execute(ACCEPT, {"id": market["bakery_so"]})
    as_guest = gql.logout().execute(ACCEPT, {"id": market["bakery_so"]})
    unknown = gql.login(market["baker"]).execute(ACCEPT, {"id": gid("ShopOrder", 99999)})
    assert _codes(as_other_shop["shopOrderAccept"]) == [(None, "PERMISSION_DENIED")]
    assert _codes(as_guest["shopOrderAccept"]) == [(None, "PERMISSION_DENIED")]
    assert _codes(unknown["shopOrderAccept"]) == [("id", "NOT_FOUND")]
    assert set(ShopOrder.objects.values_list("status", flat=True)) == {"paid"}


def test_refuse_releases_the_stock(gql, market):
    gql.login(market["cheesemonger"])
    refused = gql.execute(REFUSE, {"id": market["cheese_so"], "reason": "Rupture"})
    assert refused["shopOrderRefuse"]["shopOrder"] == {
        "status": "REFUSED",
        "statusReason": "Rupture",
    }
    stock = Stock.objects.get(variant=market["brie"])
    assert (stock.quantity, stock.quantity_allocated) == (5, 0)
    assert list(
        OrderLine.objects.filter(shop_order__vendor=market["cheese"]).values_list(
            "quantity_allocated", flat=True
        )
    ) == [0]


def test_guest_customer_cancels_with_the_token_before_acceptance_only(gql, market):
    token = market["order"]["token"]
    # the guest cancels the cheese part with the order's token
    cancelled = gql.execute(
        CANCEL, {"id": market["cheese_so"], "reason": "Plus besoin", "token": token}
    )["shopOrderCancel"]
    assert cancelled["shopOrder"]["status"] == "CANCELLED"
    assert Stock.objects.get(variant=market["brie"]).quantity_allocated == 0
    # cancelling it again changes nothing (no error, no second email, no second release)
    emails_before = len(mail.outbox)
    again = gql.execute(CANCEL, {"id": market["cheese_so"], "reason": "bis", "token": token})
    assert again["shopOrderCancel"] == {
        "shopOrder": {"status": "CANCELLED", "statusReason": "Plus besoin"},
        "errors": [],
    }
    assert len(mail.outbox) == emails_before
    # without the token: refused
    no_token = gql.execute(CANCEL, {"id": market["bakery_so"], "reason": "x"})["shopOrderCancel"]
    assert _codes(no_token) == [(None, "PERMISSION_DENIED")]
    # once the baker accepted, the customer cannot cancel any more
    gql.login(market["baker"]).execute(ACCEPT, {"id": market["bakery_so"]})
    late = gql.logout().execute(CANCEL, {"id": market["bakery_so"], "reason": "x", "token": token})
    assert _codes(late["shopOrderCancel"]) == [("id", "INVALID_TRANSITION")]
    assert Stock.objects.get(variant=market["bread"]).quantity_allocated == 3


def test_town_staff_may_cancel_an_accepted_shop_order(gql, market):
    staff = TownStaffFactory(town=market["town"], user=UserFactory(email="asso@example.org")).user
    gql.login(market["baker"]).execute(ACCEPT, {"id": market["bakery_so"]})
    data = gql.login(staff).execute(CANCEL, {"id": market["bakery_so"], "reason": "Fraude"})
    assert data["shopOrderCancel"]["shopOrder"]["status"] == "CANCELLED"
    assert Stock.objects.get(variant=market["bread"]).quantity_allocated == 0
    # the town's audit log says who cancelled it, from which state, and why
    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.reason, entry.before) == (
        staff,
        "shop_order.cancel",
        "Fraude",
        {"status": "accepted"},
    )


def test_a_shop_or_a_customer_cancelling_is_not_in_the_towns_audit_log(gql, market):
    gql.login(market["baker"]).execute(CANCEL, {"id": market["bakery_so"], "reason": "Fermé"})
    assert ShopOrder.objects.filter(status="cancelled").count() == 1
    assert not AuditEntry.objects.exists()


def test_shop_sees_its_orders_filtered_and_paginated(gql, market):
    Order.objects.update(customer_name="Camille Martin")
    vendor = gid("Vendor", market["bakery"].pk)
    mine = gql.login(market["baker"]).execute(SHOP_ORDERS, {"vendor": vendor, "first": 10})
    paid = gql.execute(SHOP_ORDERS, {"vendor": vendor, "status": "ACCEPTED"})
    page = mine["shopOrders"]
    assert page["totalCount"] == 1
    node = page["edges"][0]["node"]
    assert node["number"] == market["order"]["number"]
    assert node["customerEmail"] == "guest@example.org"
    assert node["customerName"] == "Camille Martin"
    assert node["lines"] == [{"sku": market["bread"].sku, "quantity": 3}]
    assert paid["shopOrders"]["totalCount"] == 0
    other = gql.login(market["cheesemonger"]).execute(
        SHOP_ORDERS, {"vendor": vendor}, expect_errors=True
    )
    assert other["data"]["shopOrders"] is None
    assert other["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_transitions_email_the_customer_in_the_orders_language(
    gql, market, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given eager Celery
    settings.CELERY_TASK_ALWAYS_EAGER = True
    Order.objects.update(language="en")
    gql.login(market["baker"])
    # when the baker accepts
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(ACCEPT, {"id": market["bakery_so"]})
    # then the customer got an English email
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["guest@example.org"]
    assert mailoutbox[0].subject == f"Bakery accepted your order {market['order']['number']}"


def test_notification_task_renders_french_by_default(gql, market, mailoutbox):
    order = Order.objects.get()
    # when the "paid" notification task runs
    sent = send_order_notification(order_id=order.pk, event="order_paid")
    # then the customer and both shops got a French email
    assert sent == 3
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["guest@example.org"], f"Commande {order.number} confirmée"),
        ([market["bakery"].email], f"Nouvelle commande {order.number}"),
        ([market["cheese"].email], f"Nouvelle commande {order.number}"),
    ]
    assert "16,00\xa0€ (livraison 3,00\xa0€, mode : Livraison locale)" in mailoutbox[2].body
