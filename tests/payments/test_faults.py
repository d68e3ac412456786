"""Injected faults: Stripe answering 500 or too slowly. No double charge, transfer or refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.checkout.models import Checkout, Reservation
from marketplace.orders.models import Order, ShopOrder
from payments.gateways import GatewayError
from payments.models import LedgerEntry, Payment, Transfer
from payments.refunds import refund_send, shop_order_refund
from payments.tasks import retry_pending_transfers
from payments.transfers import transfer_schedule, transfer_send
from tests.checkout.helpers import COMPLETE, CREATE, food, line, shop, town, variant
from tests.factories import TownFactory, VendorFactory
from tests.payments.conftest import STRIPE_MOCK, event, intent_object, post_event, run_on_commit
from tests.payments.factories import make_order, payable, start_payment
from tests.payments.fault_server import FaultServer
from tests.payments.ledger_checks import assert_ledger_invariants
from vendors.models import Stock

pytestmark = pytest.mark.django_db


def _paid_shop_order(client: Client) -> ShopOrder:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = make_order(place, [(vendor, "30.00", "4.00", "1.50")])
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


def test_checkout_complete_while_stripe_fails_writes_nothing_and_can_be_retried(
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

    # then a coded error comes back and no order, payment or allocation is left
    assert result["order"] is None and result["payment"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("payment", "GATEWAY_ERROR")]
    assert (Order.objects.count(), Payment.objects.count()) == (0, 0)
    assert Stock.objects.get(variant=item).quantity_allocated == 0
    assert len(fault_server.requests) == 1
    assert fault_server.requests[0][1] == "/v1/payment_intents"
    assert fault_server.requests[0][2].endswith("-payment-intent-1")

    # when Stripe is back and the customer tries again: one order, one intent
    stripe.STRIPE_API_BASE = STRIPE_MOCK
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert result["errors"] == []
    assert result["payment"]["status"] == "pending"
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)
    assert Stock.objects.get(variant=item).quantity_allocated == 2


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
