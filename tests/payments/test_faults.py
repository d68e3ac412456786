"""Injected faults: Stripe answering 500 or too slowly. No double charge, transfer or refund."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from marketplace.checkout.models import Checkout, Reservation
from marketplace.orders.models import Order, ShopOrder
from payments.charges import orders_cancel_timed_out
from payments.gateways import GatewayError
from payments.models import LedgerEntry, Payment, Transfer
from payments.refunds import refund_send, shop_order_refund
from payments.tasks import retry_pending_transfers
from payments.transfers import transfer_schedule, transfer_send
from tests.checkout.helpers import COMPLETE, CREATE, food, line, shop, town, variant
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.fault_server import FaultServer
from tests.payments.helpers import STRIPE_MOCK, event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants
from vendors.models import Stock

pytestmark = pytest.mark.django_db


def _paid_shop_order(client: Client) -> ShopOrder:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_f")))
    return ShopOrder.objects.get(order=order)


def test_a_transfer_failing_with_500_then_a_timeout_is_sent_once_with_one_key(
    stripe: Any, client: Client, fault_server: FaultServer
) -> None:
    # given a paid shop order whose transfer is due, and Stripe answering 500
    shop_order = _paid_shop_order(client)
    transfer = transfer_schedule(shop_order_id=shop_order.pk)
    assert transfer is not None
    stripe.STRIPE_API_BASE = fault_server.url
    stripe.STRIPE_MAX_NETWORK_RETRIES = 2

    # when the transfer is sent
    with pytest.raises(GatewayError) as failure:
        transfer_send(transfer_id=transfer.pk)

    # then it stays pending, nothing is recorded, every try carried the same key
    key = f"shop-order-{shop_order.pk}-transfer"
    assert failure.value.retryable is True
    assert fault_server.requests == [("POST", "/v1/transfers", key)] * 3
    transfer.refresh_from_db()
    assert (transfer.status, transfer.attempts, transfer.transfer_id) == ("pending", 1, "")
    assert "Injected fault" in transfer.last_error
    assert LedgerEntry.objects.filter(kind="transfer").count() == 0

    # when Stripe then answers too slowly (client timeout 0.5 s)
    fault_server.mode = "sleep"
    stripe.STRIPE_TIMEOUT_SECONDS = 0.5
    stripe.STRIPE_MAX_NETWORK_RETRIES = 0
    with pytest.raises(GatewayError) as timeout:
        transfer_send(transfer_id=transfer.pk)
    assert timeout.value.retryable is True
    assert fault_server.keys() == [key] * 4

    # when Stripe is back: sent once, recorded once
    stripe.STRIPE_API_BASE = STRIPE_MOCK
    transfer_send(transfer_id=transfer.pk)
    stripe.STRIPE_API_BASE = fault_server.url
    transfer_send(transfer_id=transfer.pk)  # already sent: no call at all
    transfer.refresh_from_db()
    assert (transfer.status, transfer.attempts, transfer.amount) == ("sent", 3, Decimal("32.50"))
    assert transfer.transfer_id.startswith("tr_")
    assert len(fault_server.requests) == 4
    assert LedgerEntry.objects.filter(kind="transfer").count() == 1
    assert_ledger_invariants()


def test_checkout_complete_while_stripe_fails_leaves_an_unpaid_order_a_retry_drives_again(
    stripe: Any, gql: Any, customer: Any, fault_server: FaultServer
) -> None:
    # given a checkout of 2 units, and Stripe answering 500
    place = town()
    food()
    item = variant(shop(place, "fromager"), price="10.00", stock=5)
    gql.login(customer)
    checkout = gql.execute(CREATE, {"input": {"town": place.slug, "lines": [line(item, 2)]}})[
        "checkoutCreate"
    ]["checkout"]
    stripe.STRIPE_API_BASE = fault_server.url

    # when the customer completes it
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]

    # then a coded error comes back; the order was committed before the call to Stripe: unpaid,
    # its stock allocated, its payment pending without an intent
    assert result["order"] is None and result["payment"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("payment", "GATEWAY_ERROR")]
    order = Order.objects.get()
    payment = Payment.objects.get()
    assert (order.status, payment.status, payment.intent_id) == ("unpaid", "pending", "")
    assert Stock.objects.get(variant=item).quantity_allocated == 2
    assert Checkout.objects.count() == 0
    assert len(fault_server.requests) == 1
    assert fault_server.requests[0][1] == "/v1/payment_intents"
    key = fault_server.requests[0][2]
    assert key == f"order-{order.pk}-payment-intent-1"

    # when Stripe is back (through the proxy) and the customer completes again: the same order,
    # its payment driven again with the same idempotency key, one intent
    fault_server.upstream = STRIPE_MOCK
    fault_server.mode = "proxy"
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert result["errors"] == []
    assert result["order"]["number"] == order.number
    assert result["payment"]["status"] == "pending"
    assert result["payment"]["clientSecret"]
    assert fault_server.keys() == [key, key]
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)
    assert Payment.objects.get().intent_id.startswith("pi_")
    assert Stock.objects.get(variant=item).quantity_allocated == 2

    # and completing once more calls Stripe no more
    gql.execute(COMPLETE, {"id": checkout["id"]})
    assert len(fault_server.requests) == 2


def test_an_order_whose_payment_could_not_start_is_cancelled_by_the_payment_timeout(
    stripe: Any, gql: Any, customer: Any, fault_server: FaultServer
) -> None:
    # given an order left unpaid by Stripe failing at checkoutComplete
    place = town()
    food()
    item = variant(shop(place, "fromager"), price="10.00", stock=5)
    gql.login(customer)
    checkout = gql.execute(CREATE, {"input": {"town": place.slug, "lines": [line(item, 2)]}})[
        "checkoutCreate"
    ]["checkout"]
    stripe.STRIPE_API_BASE = fault_server.url
    gql.execute(COMPLETE, {"id": checkout["id"]})
    order = Order.objects.get()
    assert Stock.objects.get(variant=item).quantity_allocated == 2

    # when the payment timeout has passed
    later = timezone.now() + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES + 1)
    cancelled = orders_cancel_timed_out(now=later)

    # then the order is cancelled, its payment canceled, its stock released, Stripe not called
    assert cancelled == [order.pk]
    assert Order.objects.get().status == "cancelled"
    assert Payment.objects.get().status == "canceled"
    assert Stock.objects.get(variant=item).quantity_allocated == 0
    assert len(fault_server.requests) == 1
    # and a late retry of the checkout starts no payment for it
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert result["order"]["status"] == "CANCELLED" and result["payment"] is None
    assert len(fault_server.requests) == 1


def test_a_refund_failing_is_retried_by_the_beat_and_made_once(
    stripe: Any, client: Client, fault_server: FaultServer
) -> None:
    # given a paid shop order whose transfer was sent, and Stripe then failing
    shop_order = _paid_shop_order(client)
    transfer = transfer_schedule(shop_order_id=shop_order.pk)
    transfer_send(transfer_id=transfer.pk)  # type: ignore[union-attr]
    refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("17.00"))
    stripe.STRIPE_API_BASE = fault_server.url
    stripe.STRIPE_MAX_NETWORK_RETRIES = 0

    # when the refund is sent
    with pytest.raises(GatewayError):
        refund_send(refund_id=refund.pk)

    # then it is pending, already counted on the shop order, not in the ledger
    refund.refresh_from_db()
    shop_order.refresh_from_db()
    assert (refund.status, refund.refund_id, refund.attempts) == ("pending", "", 1)
    assert shop_order.refunded_amount == Decimal("17.00")
    assert LedgerEntry.objects.filter(kind="refund").count() == 0
    assert fault_server.keys() == [f"shop-order-{shop_order.pk}-refund-1"]

    # when Stripe is back and the beat runs twice
    stripe.STRIPE_API_BASE = STRIPE_MOCK
    with run_on_commit():
        first = retry_pending_transfers()
    with run_on_commit():
        second = retry_pending_transfers()

    # then the refund and the reversal were made once
    assert (first["refunds"], second["refunds"]) == (1, 0)
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert refund.refund_id.startswith("re_") and refund.reversal_id.startswith("trr_")
    # 17.00 of 34.00 with 1.50 commission: 0.75 commission back, the shop bears 16.25
    assert (refund.shop_share, refund.commission_refunded, refund.reversal_amount) == (
        Decimal("16.25"),
        Decimal("0.75"),
        Decimal("16.25"),
    )
    assert Transfer.objects.get().reversed_amount == Decimal("16.25")
    assert LedgerEntry.objects.filter(kind__in=["refund", "reversal"]).count() == 2
    assert_ledger_invariants()


def test_a_shortage_found_at_completion_with_stripe_leaves_no_order_payment_or_allocation(
    stripe: Any, gql: Any, customer: Any
) -> None:
    # given a checkout of 2 units whose reservation expired, and the stock sold meanwhile
    place = town()
    item = variant(shop(place, "fromager"), price="10.00", stock=5)
    gql.login(customer)
    checkout = gql.execute(CREATE, {"input": {"town": place.slug, "lines": [line(item, 2)]}})[
        "checkoutCreate"
    ]["checkout"]
    Reservation.objects.update(expires_at="2000-01-01T00:00:00Z")
    Stock.objects.filter(variant=item).update(quantity_allocated=4)

    # when the customer completes it (the PaymentIntent is created before the stock is locked)
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]

    # then the shortage is reported and everything is rolled back, the cart kept
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("lines", "INSUFFICIENT_STOCK")]
    assert (Order.objects.count(), Payment.objects.count(), LedgerEntry.objects.count()) == (
        0,
        0,
        0,
    )
    assert Stock.objects.get(variant=item).quantity_allocated == 4
    assert Checkout.objects.count() == 1
