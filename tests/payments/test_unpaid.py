"""Orders left unpaid are cancelled after PAYMENT_TIMEOUT_MINUTES, their stock released."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from marketplace.orders.models import Order, OrderLine
from payments.models import Payment
from payments.tasks import cancel_unpaid_orders
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from vendors.models import Stock

pytestmark = pytest.mark.django_db


def test_the_beat_cancels_orders_unpaid_for_too_long_and_releases_their_stock(
    stripe: Any, client: Client
) -> None:
    # given three orders: old and unpaid, recent and unpaid, old but paid
    stripe.PAYMENT_TIMEOUT_MINUTES = 30
    place = TownFactory()
    vendor = VendorFactory(town=place)
    old, recent, paid = (
        OrderFactory(town=place, shops=[(vendor, "10.00", "0.00", "0.50")]) for _ in range(3)
    )
    for order in (old, recent, paid):
        start_payment(order)
    paid_payment = Payment.objects.select_related("order").get(order=paid)
    post_event(client, event("payment_intent.succeeded", intent_object(paid_payment)))
    long_ago = timezone.now() - timedelta(minutes=31)
    Order.objects.filter(pk__in=[old.pk, paid.pk]).update(created_at=long_ago)

    # when the beat task runs (twice: it is idempotent)
    with run_on_commit():
        cancelled = cancel_unpaid_orders()
    with run_on_commit():
        again = cancel_unpaid_orders()

    # then only the old unpaid order is cancelled, its stock released, its intent canceled
    assert (cancelled, again) == ([old.pk], [])
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "cancelled", recent.pk: "unpaid", paid.pk: "paid"}
    assert Payment.objects.get(order=old).status == "canceled"
    allocated = {
        line.shop_order.order_id: Stock.objects.get(variant_id=line.variant_id).quantity_allocated
        for line in OrderLine.objects.select_related("shop_order")
    }
    assert allocated == {old.pk: 0, recent.pk: 2, paid.pk: 2}


def test_a_canceled_payment_intent_cancels_the_order(stripe: Any, client: Client) -> None:
    place = TownFactory()
    order = OrderFactory(town=place, shops=[(VendorFactory(town=place), "10.00", "0.00", "0.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)

    post_event(client, event("payment_intent.canceled", intent_object(payment, status="canceled")))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("cancelled", "canceled")
