"""Stripe (stripe-mock) behind the fault proxy — 5xx, timeouts, dropped connections, an answer
lost after Stripe acted — and webhook events duplicated, replayed and out of order. The outbox
retries each side effect with the same idempotency key until it goes through: one transfer, one
refund, one charge in the books."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.core.outbox import outbox_undelivered
from marketplace.orders.lifecycle import (
    shop_order_accept,
    shop_order_cancel,
    shop_order_fulfil,
    shop_order_mark_ready,
)
from marketplace.orders.models import Order, OrderStatus, ShopOrder
from payments.models import LedgerEntry, Payment, PaymentStatus, Refund, Transfer, WebhookEvent
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.faults.helpers import relay_until_done
from tests.payments.factories import payable, start_payment
from tests.payments.fault_server import FaultServer
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db

FAULTS = ["500", "drop", "sleep", "proxy_drop"]


def _paid(client: Client) -> tuple[Order, Payment]:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_p")))
    return order, payment


def _through_faults(stripe: Any, proxy: FaultServer) -> None:
    stripe.STRIPE_API_BASE = proxy.url
    stripe.STRIPE_MAX_NETWORK_RETRIES = 0
    stripe.STRIPE_TIMEOUT_SECONDS = 1
    proxy.sleep_seconds = 3
    proxy.plan = list(FAULTS)  # then it forwards


def test_a_transfer_through_5xx_drops_timeouts_and_a_lost_answer_is_made_once(
    stripe: Any, fault_proxy: FaultServer, client: Client
) -> None:
    # given a paid shop order, ready, and Stripe failing in every way before it answers
    order, _payment = _paid(client)
    shop_order = ShopOrder.objects.get(order=order)
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
    _through_faults(stripe, fault_proxy)

    # when it is fulfilled, then the relay runs until the outbox is empty
    with run_on_commit():
        shop_order_fulfil(shop_order_id=shop_order.pk)
    relay_until_done(rounds=8)

    # then the transfer was tried once per fault, always with the same key, and booked once
    keys = [key for _m, path, key in fault_proxy.requests if path == "/v1/transfers"]
    assert keys == [f"shop-order-{shop_order.pk}-transfer"] * (len(FAULTS) + 1)
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.amount, transfer.attempts) == (
        "sent",
        Decimal("32.50"),
        len(FAULTS) + 1,
    )
    assert LedgerEntry.objects.filter(kind="transfer").count() == 1
    assert outbox_undelivered() == []
    assert_ledger_invariants()


def test_a_refund_through_5xx_drops_timeouts_and_a_lost_answer_is_made_once(
    stripe: Any, fault_proxy: FaultServer, client: Client
) -> None:
    # given a paid shop order, and Stripe failing in every way before it answers
    order, _payment = _paid(client)
    shop_order = ShopOrder.objects.get(order=order)
    _through_faults(stripe, fault_proxy)

    # when the shop cancels it, then the relay runs until the outbox is empty
    with run_on_commit():
        shop_order_cancel(shop_order_id=shop_order.pk, reason="closed")
    relay_until_done(rounds=8)

    # then the refund was tried once per fault with one key, and the customer repaid once
    keys = [key for _m, path, key in fault_proxy.requests if path == "/v1/refunds"]
    assert keys == [f"shop-order-{shop_order.pk}-refund-1"] * (len(FAULTS) + 1)
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", Decimal("34.00"))
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert outbox_undelivered() == []
    assert_ledger_invariants()


def test_webhooks_duplicated_replayed_and_out_of_order_book_one_charge(
    stripe: Any, client: Client
) -> None:
    # given an order waiting for its payment
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    succeeded = event(
        "payment_intent.succeeded", intent_object(payment, charge="ch_w"), created=200
    )
    failed = event(
        "payment_intent.payment_failed",
        intent_object(payment, status="requires_payment_method"),
        created=100,
    )

    # when the success arrives three times (a duplicate, then a replay under a new event id),
    # and the older failure arrives last
    post_event(client, succeeded)
    post_event(client, succeeded)
    post_event(client, {**succeeded, "id": succeeded["id"] + "_replayed"})
    post_event(client, failed)
    relay_until_done()

    # then the order is paid once, nothing is refunded, and each distinct event is kept once
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert Refund.objects.count() == 0
    assert WebhookEvent.objects.count() == 3
    assert outbox_undelivered() == []
    assert_ledger_invariants()
