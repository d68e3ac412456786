"""The lifecycle entry points payments relies on: order_mark_paid, order_cancel_unpaid."""

from __future__ import annotations

import pytest

from marketplace.orders.lifecycle import order_cancel_unpaid, order_mark_paid
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.orders.transitions import shop_order_transition_allowed
from search.models import IndexQueue
from vendors.models import Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid_order(two_shop_order):
    """An order left unpaid: a gateway that does not pay at once (Stripe pending)."""
    order, bread, cheese = two_shop_order
    # back to the state a pending payment leaves it in
    Order.objects.filter(pk=order.pk).update(status="unpaid", paid_at=None)
    ShopOrder.objects.filter(order=order).update(status="unconfirmed")
    return order, bread, cheese


def _locked(order):
    return Order.objects.select_for_update().get(pk=order.pk)


def test_mark_paid_is_idempotent(unpaid_order):
    order, _bread, _cheese = unpaid_order
    first = order_mark_paid(order=_locked(order))
    paid_at = first.paid_at
    second = order_mark_paid(order=_locked(order))
    assert (first.status, second.status) == ("paid", "paid")
    assert second.paid_at == paid_at
    assert set(ShopOrder.objects.values_list("status", flat=True)) == {"paid"}


def test_cancel_unpaid_releases_everything_once(unpaid_order):
    order, bread, cheese = unpaid_order
    order_cancel_unpaid(order_id=order.pk, reason="payment expired")
    again = order_cancel_unpaid(order_id=order.pk, reason="payment expired")
    assert again.status == "cancelled"
    assert set(ShopOrder.objects.values_list("status", "status_reason")) == {
        ("cancelled", "payment expired")
    }
    assert [Stock.objects.get(variant=v).quantity_allocated for v in (bread, cheese)] == [0, 0]
    assert set(OrderLine.objects.values_list("quantity_allocated", flat=True)) == {0}


def test_cancel_unpaid_queues_for_search_only_what_comes_back_in_stock(unpaid_order):
    # given the cheese's last unit is in the order (the bread still has 8 unsold)
    order, bread, cheese = unpaid_order
    Stock.objects.filter(variant=cheese).update(quantity=1)
    IndexQueue.objects.all().delete()

    # when the order is cancelled
    order_cancel_unpaid(order_id=order.pk, reason="payment expired")

    # then only the cheese, back in stock, is queued for search
    assert list(IndexQueue.objects.values_list("product_id", flat=True)) == [cheese.product_id]
    assert bread.product_id != cheese.product_id


def test_cancel_unpaid_leaves_a_paid_order_alone(unpaid_order):
    order, bread, _cheese = unpaid_order
    order_mark_paid(order=_locked(order))
    result = order_cancel_unpaid(order_id=order.pk, reason="late")
    assert result.status == "paid"
    assert Stock.objects.get(variant=bread).quantity_allocated == 2


def test_mark_paid_does_not_revive_a_cancelled_order(unpaid_order):
    order, _bread, _cheese = unpaid_order
    order_cancel_unpaid(order_id=order.pk, reason="expired")
    assert order_mark_paid(order=_locked(order)).status == "cancelled"
    assert set(ShopOrder.objects.values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("unconfirmed", "paid", True),
        ("paid", "accepted", True),
        ("paid", "refused", True),
        ("accepted", "ready", True),
        ("ready", "fulfilled", True),
        ("fulfilled", "refunded", True),
        ("refunded", "refunded", True),
        ("unconfirmed", "accepted", False),
        ("paid", "ready", False),
        ("accepted", "fulfilled", False),
        ("refused", "accepted", False),
        ("cancelled", "paid", False),
        ("fulfilled", "cancelled", False),
    ],
)
def test_transition_table(source, target, allowed):
    assert shop_order_transition_allowed(source, target) is allowed
