"""An order not paid yet is given up as a whole (orderCancel); its shop orders cannot be
dropped one by one while the payment is still for all of them."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.orders.models import Order, ShopOrder
from payments.models import Payment
from tests.checkout.helpers import COMPLETE, CREATE, line, shop, town, variant
from tests.factories import UserFactory
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from vendors.models import Stock

pytestmark = pytest.mark.django_db

ORDER_CANCEL = """
mutation($id: ID!, $token: UUID) {
  orderCancel(id: $id, token: $token) {
    order { id status shopOrders { status } }
    errors { field code message }
  }
}"""
SHOP_ORDER_CANCEL = """
mutation($id: ID!, $token: UUID) {
  shopOrderCancel(id: $id, reason: "changed my mind", token: $token) {
    shopOrder { status } errors { field code message }
  }
}"""


def _unpaid_two_shop_order(gql: Any, *, email: str | None = "guest@example.org") -> dict:
    place = town()
    items = [variant(shop(place, "fromager"), stock=5), variant(shop(place, "primeur"), stock=5)]
    checkout_input: dict[str, Any] = {
        "town": place.slug,
        "lines": [line(items[0], 2), line(items[1], 1)],
    }
    if email:
        checkout_input["email"] = email
    created = gql.execute(CREATE, {"input": checkout_input})["checkoutCreate"]
    completed = gql.execute(COMPLETE, {"id": created["checkout"]["id"]})["checkoutComplete"]
    assert completed["errors"] == []
    assert completed["payment"]["status"] == "pending"
    return completed["order"]


def _allocated() -> list[int]:
    return list(Stock.objects.order_by("pk").values_list("quantity_allocated", flat=True))


def test_a_shop_order_of_an_unpaid_order_cannot_be_cancelled_alone(gql: Any, stripe: Any) -> None:
    # given an order over two shops, its Stripe payment still pending
    order = _unpaid_two_shop_order(gql)
    first = order["shopOrders"][0]

    # when the guest cancels one of its shop orders
    data = gql.execute(SHOP_ORDER_CANCEL, {"id": first["id"], "token": order["token"]})

    # then it is refused with a code, and nothing changed
    result = data["shopOrderCancel"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("id", "ORDER_UNPAID")]
    assert set(ShopOrder.objects.values_list("status", flat=True)) == {"unconfirmed"}
    assert _allocated() == [2, 1]


def test_the_guest_gives_up_the_unpaid_order_as_a_whole(
    gql: Any, stripe: Any, mailoutbox: list[Any]
) -> None:
    # given an unpaid two-shop order of a guest
    order = _unpaid_two_shop_order(gql)

    # when the guest cancels it with the order's token (twice: idempotent)
    with run_on_commit():
        data = gql.execute(ORDER_CANCEL, {"id": order["id"], "token": order["token"]})
    again = gql.execute(ORDER_CANCEL, {"id": order["id"], "token": order["token"]})

    # then the order and its shop orders are cancelled, the stock released, the payment canceled
    result = data["orderCancel"]
    assert result["errors"] == []
    assert result["order"]["status"] == "CANCELLED"
    assert [s["status"] for s in result["order"]["shopOrders"]] == ["CANCELLED", "CANCELLED"]
    assert again["orderCancel"]["errors"] == []
    assert _allocated() == [0, 0]
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_message) == ("canceled", "cancelled_by_customer")
    # and the customer is told
    assert [m.to for m in mailoutbox] == [["guest@example.org"]]


def test_a_payment_succeeding_after_the_cancel_is_refunded_not_revived(
    gql: Any, stripe: Any, client: Any
) -> None:
    # given an order given up while the customer's bank was confirming the payment
    order = _unpaid_two_shop_order(gql)
    with run_on_commit():
        gql.execute(ORDER_CANCEL, {"id": order["id"], "token": order["token"]})
    payment = Payment.objects.select_related("order").get()

    # when the provider reports the payment succeeded after all
    post_event(client, event("payment_intent.succeeded", intent_object(payment)))

    # then the order stays cancelled and both shop orders are refunded in full
    assert Order.objects.get().status == "cancelled"
    assert list(ShopOrder.objects.order_by("pk").values_list("status", "refunded_amount")) == [
        ("cancelled", s.subtotal + s.delivery_fee) for s in ShopOrder.objects.order_by("pk")
    ]


def test_a_paid_order_is_not_cancelled_as_a_whole(gql: Any, stripe: Any, client: Any) -> None:
    order = _unpaid_two_shop_order(gql)
    payment = Payment.objects.select_related("order").get()
    post_event(client, event("payment_intent.succeeded", intent_object(payment)))

    data = gql.execute(ORDER_CANCEL, {"id": order["id"], "token": order["token"]})

    assert [e["code"] for e in data["orderCancel"]["errors"]] == ["ALREADY_PAID"]
    assert Order.objects.get().status == "paid"
    assert _allocated() == [2, 1]


def test_only_the_customer_or_town_staff_may_cancel_an_order(gql: Any, stripe: Any) -> None:
    order = _unpaid_two_shop_order(gql)

    stranger = gql.login(UserFactory()).execute(ORDER_CANCEL, {"id": order["id"]})
    wrong_token = gql.logout().execute(
        ORDER_CANCEL, {"id": order["id"], "token": "00000000-0000-0000-0000-000000000000"}
    )

    for data in (stranger, wrong_token):
        assert [e["code"] for e in data["orderCancel"]["errors"]] == ["PERMISSION_DENIED"]
    assert Order.objects.get().status == "unpaid"
