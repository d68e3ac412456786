"""Inbound Stripe events: signature, once per event id, order-proof, and their effects."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from marketplace.governance.transparency import transparency_report
from marketplace.orders.models import Order, ShopOrder
from payments.models import (
    ConnectedAccount,
    Dispute,
    LedgerEntry,
    Payment,
    Refund,
    Transfer,
    WebhookEvent,
)
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import start_payment
from tests.payments.helpers import event, intent_object, post_event
from tests.payments.ledger_checks import assert_ledger_invariants
from vendors.models import Stock


def _pending_order(parts: int = 2) -> tuple[Order, Payment]:
    town = TownFactory()
    vendors = [VendorFactory(town=town) for _ in range(parts)]
    order = OrderFactory(town=town, shops=[(v, "20.00", "3.00", "1.00") for v in vendors])
    start_payment(order)
    return order, Payment.objects.get(order=order)


def _allocated(order: Order) -> list[int]:
    return list(
        Stock.objects.filter(variant__vendor__shop_orders__order=order)
        .order_by("pk")
        .values_list("quantity_allocated", flat=True)
    )


@pytest.mark.django_db
def test_the_payment_intent_is_created_on_stripe_with_the_order_amount(stripe: Any) -> None:
    # given an unpaid order of 46.00
    town = TownFactory()
    order = OrderFactory(town=town, shops=[(VendorFactory(town=town), "40.00", "6.00", "2.00")])

    # when its payment starts
    start = start_payment(order)

    # then one PaymentIntent exists for it (stripe-mock validated the parameters)
    payment = Payment.objects.get(order=order)
    assert (start.gateway, start.status) == ("stripe", "pending")
    assert start.client_secret == payment.client_secret
    assert "_secret_" in payment.client_secret
    assert (payment.amount, payment.currency, payment.status) == (
        Decimal("46.00"),
        "EUR",
        "pending",
    )
    assert payment.intent_id.startswith("pi_")

    # and starting again returns the same payment
    again = start_payment(order)
    assert again == start
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_succeeded_marks_the_order_paid_once_even_when_duplicated(
    stripe: Any, client: Client
) -> None:
    # given a pending payment and its succeeded event
    order, payment = _pending_order()
    succeeded = event("payment_intent.succeeded", intent_object(payment, charge="ch_dup"))

    # when the event is delivered twice
    first = post_event(client, succeeded)
    second = post_event(client, succeeded)

    # then it is stored and processed once
    assert (first.status_code, first.json()) == (200, {"received": True, "duplicate": False})
    assert (second.status_code, second.json()) == (200, {"received": True, "duplicate": True})
    assert list(WebhookEvent.objects.values_list("status", flat=True)) == ["processed"]
    order.refresh_from_db()
    assert order.status == "paid"
    assert list(ShopOrder.objects.filter(order=order).values_list("status", flat=True)) == [
        "paid",
        "paid",
    ]
    assert LedgerEntry.objects.filter(kind="charge").count() == 2
    assert_ledger_invariants()


@pytest.mark.django_db
def test_late_failure_or_cancel_after_success_changes_nothing(stripe: Any, client: Client) -> None:
    # given a payment that succeeded
    order, payment = _pending_order()
    now = int(time.time())
    post_event(client, event("payment_intent.succeeded", intent_object(payment), created=now))

    # when older failure / cancellation events arrive afterwards
    for kind, status in (
        ("payment_intent.payment_failed", "requires_payment_method"),
        ("payment_intent.canceled", "canceled"),
    ):
        response = post_event(
            client, event(kind, intent_object(payment, status=status), created=now - 60)
        )
        assert response.status_code == 200

    # then the payment and order stay as they were, stock still held
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("succeeded", "paid")
    assert _allocated(order) == [2, 2]
    assert list(WebhookEvent.objects.order_by("pk").values_list("note", flat=True)) == [
        "payment succeeded",
        "payment already succeeded",
        "payment already succeeded",
    ]
    assert_ledger_invariants()


@pytest.mark.django_db
def test_a_failed_payment_cancels_the_order_and_releases_its_stock(
    stripe: Any, client: Client
) -> None:
    # given a pending 2-shop order holding 2 units in each shop
    order, payment = _pending_order()
    assert _allocated(order) == [2, 2]
    failed = intent_object(payment, status="requires_payment_method")
    failed["last_payment_error"] = {"code": "card_declined", "decline_code": "insufficient_funds"}

    # when the payment fails
    response = post_event(client, event("payment_intent.payment_failed", failed))

    # then the order is cancelled, its stock released, and nothing is in the ledger
    assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("failed", "card_declined")
    assert order.status == "cancelled"
    assert list(ShopOrder.objects.filter(order=order).values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
    ]
    assert _allocated(order) == [0, 0]
    assert LedgerEntry.objects.count() == 0

    # and when money arrives anyway afterwards (a race with the cancellation at Stripe), it is
    # recorded and refunded in full, shop order by shop order; the order stays cancelled
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_l")))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("succeeded", "cancelled")
    assert list(
        Refund.objects.order_by("shop_order_id").values_list("amount", "status", "reversal_due")
    ) == [(Decimal("23.00"), "succeeded", False), (Decimal("23.00"), "succeeded", False)]
    assert Transfer.objects.count() == 0
    assert_ledger_invariants()


@pytest.mark.django_db
def test_a_stale_signature_or_a_wrong_amount_is_not_applied(stripe: Any, client: Client) -> None:
    # given a pending payment
    order, payment = _pending_order()

    # when a correctly signed event is 10 minutes old (tolerance 5)
    stale = post_event(
        client,
        event("payment_intent.succeeded", intent_object(payment)),
        timestamp=int(time.time()) - 600,
    )
    # and a fresh one claims a different amount
    wrong = intent_object(payment)
    wrong["amount_received"] = 100
    fresh = post_event(client, event("payment_intent.succeeded", wrong))

    # then the first is refused, the second recorded but not applied
    assert (stale.status_code, fresh.status_code) == (400, 200)
    assert list(WebhookEvent.objects.values_list("status", "note")) == [
        ("processed", "amount mismatch: 1.00 != 46.00")
    ]
    order.refresh_from_db()
    assert order.status == "unpaid"


@pytest.mark.django_db(transaction=True)
def test_the_webhook_arriving_before_checkout_complete_commits_is_applied_after(
    stripe: Any,
) -> None:
    # given an order whose payment starts in a transaction still open
    town = TownFactory()
    vendor = VendorFactory(town=town)
    results: dict[str, Any] = {}

    def deliver(payment: Payment) -> None:
        try:
            response = post_event(
                Client(), event("payment_intent.succeeded", intent_object(payment))
            )
            results["status"] = response.status_code
            results["event"] = WebhookEvent.objects.get().status
        finally:
            connection.close()

    with transaction.atomic():
        order = OrderFactory(town=town, shops=[(vendor, "20.00", "0.00", "1.00")])
        from payments.charges import payment_start_for_order as payment_start

        payment_start(order=order)
        payment = Payment.objects.select_related("order").get(order=order)
        # when Stripe's event arrives before the transaction commits
        thread = threading.Thread(target=deliver, args=(payment,))
        thread.start()
        thread.join()
        assert results == {"status": 200, "event": "deferred"}
        assert Order.objects.get(pk=order.pk).status == "unpaid"

    # then, once committed, the deferred event is applied
    order.refresh_from_db()
    assert order.status == "paid"
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == ("processed", 2)
    assert_ledger_invariants()


@pytest.mark.django_db
def test_account_updated_follows_the_newest_snapshot_only(stripe: Any, client: Client) -> None:
    # given a shop with a connected account that cannot be paid yet
    vendor = VendorFactory()
    ConnectedAccount.objects.create(vendor=vendor, gateway="stripe", account_id="acct_shop1")
    enabled = {
        "id": "acct_shop1",
        "object": "account",
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "requirements": {"currently_due": [], "disabled_reason": None},
    }
    disabled = {
        **enabled,
        "charges_enabled": False,
        "payouts_enabled": False,
        "requirements": {
            "currently_due": ["external_account"],
            "disabled_reason": "requirements.past_due",
        },
    }

    # when the newer snapshot arrives first, then an older one
    post_event(client, event("account.updated", enabled, created=2_000_000_000))
    post_event(client, event("account.updated", disabled, created=1_900_000_000))

    # then the account follows the newer one
    account = ConnectedAccount.objects.get()
    assert (account.charges_enabled, account.payouts_enabled, account.requirements_due) == (
        True,
        True,
        [],
    )
    assert account.can_receive_transfers is True

    # and a newer restriction applies
    post_event(client, event("account.updated", disabled, created=2_000_000_100))
    account.refresh_from_db()
    assert (account.can_receive_transfers, account.requirements_due, account.disabled_reason) == (
        False,
        ["external_account"],
        "requirements.past_due",
    )


@pytest.mark.django_db
def test_a_dispute_is_recorded_once(stripe: Any, client: Client) -> None:
    # given a paid order
    _order, payment = _pending_order()
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_d")))
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "charge": "ch_d",
        "amount": 2300,
        "currency": "eur",
        "reason": "fraudulent",
        "status": "needs_response",
    }

    # when the dispute event comes twice under two event ids
    post_event(client, event("charge.dispute.created", dispute))
    post_event(client, event("charge.dispute.created", dispute))

    # then it is recorded once on the payment
    assert list(Dispute.objects.values_list("dispute_id", "amount", "reason")) == [
        ("dp_1", Decimal("23.00"), "fraudulent")
    ]
    payment.refresh_from_db()
    assert payment.disputed_amount == Decimal("23.00")


def _report_of_the_month(order: Order) -> Any:
    when = timezone.localtime(
        LedgerEntry.objects.get(kind="dispute").occurred_at, ZoneInfo(order.town.timezone)
    )
    return transparency_report(town=order.town, year=when.year, month=when.month)


@pytest.mark.django_db
def test_a_chargeback_is_booked_in_the_ledger_once_and_given_back_when_won(
    stripe: Any, client: Client
) -> None:
    # given a paid order whose customer's bank opens a dispute of 23.00
    order, payment = _pending_order()
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_w")))
    dispute = {
        "id": "dp_w",
        "object": "dispute",
        "charge": "ch_w",
        "amount": 2300,
        "currency": "eur",
        "reason": "product_not_received",
        "status": "needs_response",
        "balance_transactions": [{"amount": -2300, "fee": 1500, "currency": "eur"}],
    }

    # when the funds are withdrawn (the event delivered twice, before `created` even arrives)
    for _ in range(2):
        post_event(client, event("charge.dispute.funds_withdrawn", dispute))
    post_event(client, event("charge.dispute.created", dispute))

    # then the chargeback and Stripe's dispute fee are booked once, on the order
    booked = {
        (e.kind, e.amount, e.reference)
        for e in LedgerEntry.objects.filter(order=order, kind__in=["dispute", "stripe_fee"])
    }
    assert booked == {
        ("dispute", Decimal("23.00"), "dp_w"),
        ("stripe_fee", Decimal("15.00"), "dp_w"),
    }
    assert Dispute.objects.get().payment == payment
    assert_ledger_invariants()
    # and the month's transparency report shows it
    report = _report_of_the_month(order)
    assert report.disputes == Decimal("23.00")

    # when the association wins: the funds are reinstated and the dispute closed
    won = {**dispute, "status": "won", "balance_transactions": [{"amount": 2300, "fee": 0}]}
    for _ in range(2):
        post_event(client, event("charge.dispute.funds_reinstated", won))
    post_event(client, event("charge.dispute.closed", won))

    # then the money is booked back once, and no chargeback remains outstanding
    assert LedgerEntry.objects.filter(kind="dispute_won").count() == 1
    assert Dispute.objects.get().status == "won"
    assert_ledger_invariants()
    assert _report_of_the_month(order).disputes == Decimal("0.00")


@pytest.mark.django_db
def test_unknown_event_types_are_acknowledged_and_ignored(stripe: Any, client: Client) -> None:
    response = post_event(client, event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200
    assert list(WebhookEvent.objects.values_list("status", flat=True)) == ["ignored"]


@pytest.mark.django_db
def test_the_webhook_endpoint_only_takes_post_and_needs_a_secret(
    stripe: Any, client: Client
) -> None:
    assert client.get("/payments/stripe/webhook/").status_code == 405
    stripe.STRIPE_WEBHOOK_SECRET = ""
    response = post_event(client, event("payment_intent.succeeded", {"id": "pi_x"}))
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_duplicated_event_costs_one_query(
    stripe: Any, client: Client, django_assert_num_queries: Any
) -> None:
    # given an event already received
    _order, payment = _pending_order()
    succeeded = event("payment_intent.succeeded", intent_object(payment))
    post_event(client, succeeded)

    # when Stripe sends it again, then one lookup answers it
    with django_assert_num_queries(1):
        response = post_event(client, succeeded)
    assert response.json() == {"received": True, "duplicate": True}
