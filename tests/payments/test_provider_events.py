"""Provider-side events and their failure paths (#19 item 3, #15 item 12, #14 "also"):
transfer reversals and dispute updates made at Stripe, cancellations by webhook, events deferred
then given up or swept, malformed signed events, and money received that does not match."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from marketplace.orders.models import Order, ShopOrder
from payments.charges import orders_cancel_timed_out
from payments.models import Dispute, LedgerEntry, Payment, Transfer, WebhookEvent
from payments.tasks import process_deferred_webhook_events, retry_pending_transfers
from payments.transfers import transfer_schedule
from payments.webhooks import MAX_DEFERRED_ATTEMPTS, webhook_event_process
from tests.factories import OrderFactory, TownFactory, TownStaffFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit, signature
from tests.payments.ledger_checks import assert_ledger_invariants
from vendors.models import Stock

pytestmark = pytest.mark.django_db


def _pending(goods: str = "20.00") -> tuple[Order, Payment]:
    place = TownFactory()
    TownStaffFactory(town=place)
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, goods, "0.00", "1.00")])
    start_payment(order)
    return order, Payment.objects.select_related("order").get(order=order)


def _allocated(order: Order) -> list[int]:
    return list(
        Stock.objects.filter(variant__vendor__shop_orders__order=order).values_list(
            "quantity_allocated", flat=True
        )
    )


def test_a_transfer_reversed_at_stripe_beyond_our_records_is_noted_not_booked(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order whose 19.00 transfer was sent
    order, payment = _pending()
    post_event(client, event("payment_intent.succeeded", intent_object(payment)))
    with run_on_commit():
        transfer_schedule(shop_order_id=ShopOrder.objects.get(order=order).pk)
    transfer = Transfer.objects.get()
    assert transfer.status == "sent"
    reversed_event = {
        "id": transfer.transfer_id,
        "object": "transfer",
        "amount": 1900,
        "amount_reversed": 0,
    }

    # when transfer.reversed comes with nothing more reversed than we know: nothing changes
    post_event(client, event("transfer.reversed", reversed_event))
    assert WebhookEvent.objects.get(type="transfer.reversed").note == "nothing to change"

    # when someone reversed 5.00 from the Stripe dashboard
    post_event(client, event("transfer.reversed", {**reversed_event, "amount_reversed": 500}))

    # then it is noted on the transfer for a person, not booked (reconcile_stripe reports it)
    transfer.refresh_from_db()
    assert (transfer.reversed_amount, transfer.last_error) == (
        Decimal("0.00"),
        "provider reports 5.00 reversed",
    )
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0

    # when one comes about a transfer that is not ours: nothing changes either
    post_event(client, event("transfer.reversed", {**reversed_event, "id": "tr_not_ours"}))
    notes = WebhookEvent.objects.filter(type="transfer.reversed").order_by("pk")
    assert list(notes.values_list("note", flat=True)) == [
        "nothing to change",
        "reversal beyond our records noted",
        "nothing to change",
    ]


def test_a_dispute_update_changes_its_status_once(stripe: Any, client: Client) -> None:
    # given a paid order with a dispute opened
    _order, payment = _pending()
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_d")))
    dispute = {
        "id": "dp_u",
        "object": "dispute",
        "charge": "ch_d",
        "amount": 2000,
        "reason": "fraudulent",
        "status": "needs_response",
    }
    post_event(client, event("charge.dispute.created", dispute))

    # when Stripe says the evidence is under review (twice), or an update about another charge
    for _ in range(2):
        post_event(client, event("charge.dispute.updated", {**dispute, "status": "under_review"}))
    post_event(client, event("charge.dispute.updated", {**dispute, "id": "dp_x", "charge": "ch_x"}))

    # then the dispute's status follows, nothing is booked and the amount is counted once
    assert list(Dispute.objects.values_list("dispute_id", "status")) == [("dp_u", "under_review")]
    payment.refresh_from_db()
    assert payment.disputed_amount == Decimal("20.00")
    assert LedgerEntry.objects.filter(kind="dispute").count() == 0
    assert sorted(WebhookEvent.objects.values_list("note", flat=True)) == [
        "dispute recorded",
        "dispute updated",
        "dispute updated",
        "payment succeeded",
        "unknown charge",
    ]


def test_a_payment_canceled_at_stripe_cancels_the_order_and_releases_its_stock(
    stripe: Any, client: Client
) -> None:
    # given a pending order holding 2 units
    order, payment = _pending()
    assert _allocated(order) == [2]

    # when Stripe says the PaymentIntent was canceled
    post_event(client, event("payment_intent.canceled", intent_object(payment, status="canceled")))

    # then the order is cancelled and its stock released, nothing booked
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("cancelled", "canceled")
    assert _allocated(order) == [0]
    assert LedgerEntry.objects.count() == 0


def test_an_event_deferred_too_long_is_given_up_and_the_sweep_applies_one_waiting(
    stripe: Any, client: Client
) -> None:
    # given an event about an intent that has no committed payment (yet)
    order, payment = _pending()
    orphan = intent_object(payment)
    orphan["id"], orphan["metadata"] = "pi_unknown", {"order_id": "999999999"}
    post_event(client, event("payment_intent.succeeded", orphan))
    stored = WebhookEvent.objects.get()
    assert (stored.status, stored.attempts) == ("deferred", 1)

    # when the sweep runs it until its last attempt
    WebhookEvent.objects.filter(pk=stored.pk).update(attempts=MAX_DEFERRED_ATTEMPTS - 1)
    assert process_deferred_webhook_events() == 1

    # then it is given up (ignored, kept with why), and no sweep takes it again
    stored.refresh_from_db()
    assert stored.status == "ignored"
    assert stored.note.startswith(f"given up after {MAX_DEFERRED_ATTEMPTS} attempts")
    assert process_deferred_webhook_events() == 0

    # given an event waiting (received, its processing lost) about a payment now committed
    waiting = WebhookEvent.objects.create(
        event_id="evt_waiting",
        type="payment_intent.succeeded",
        payload=event("payment_intent.succeeded", intent_object(payment)),
    )

    # when the beat's sweep runs
    with run_on_commit():
        result = retry_pending_transfers()

    # then the event is applied and the order paid
    waiting.refresh_from_db()
    order.refresh_from_db()
    assert (result["events"], waiting.status, order.status) == (1, "processed", "paid")
    assert_ledger_invariants()


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "evt_bad_1", "type": "payment_intent.succeeded", "created": "yesterday"},
        {"id": "evt_bad_2", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}},
        {"id": "evt_bad_3", "type": ["refund.failed"], "data": {"object": {}}},
        {"id": {"x": 1}, "type": "refund.failed", "data": {"object": {}}},
    ],
)
def test_a_signed_but_malformed_event_answers_400_and_is_set_aside(
    stripe: Any, client: Client, bad: dict[str, Any]
) -> None:
    # when Stripe (or whoever has the secret) signs an event not shaped as one
    payload = json.dumps(bad).encode()
    response = client.post(
        "/payments/stripe/webhook/",
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload),
    )

    # then it answers 400 (never 500), keeps it as ignored when it has an id, and never
    # processes it again
    assert response.status_code == 400
    assert response.json() == {"error": "malformed event"}
    kept = list(WebhookEvent.objects.values_list("status", flat=True))
    assert kept == (["ignored"] if isinstance(bad["id"], str) else [])
    assert process_deferred_webhook_events() == 0


def test_a_stored_event_whose_object_is_malformed_is_ignored_not_retried(
    stripe: Any, client: Client
) -> None:
    # given a well-shaped event whose refund list is not a list of objects
    response = post_event(
        client, event("charge.refunded", {"id": "ch_m", "refunds": {"data": [5]}})
    )

    # then it is acknowledged, set aside as malformed, and never picked up again
    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.status == "ignored" and stored.note.startswith("malformed")
    assert webhook_event_process(event_pk=stored.pk) == "ignored"
    assert process_deferred_webhook_events() == 0


def test_money_received_that_does_not_match_the_order_is_refunded_and_flagged(
    stripe: Any, client: Client
) -> None:
    # given a pending order of 20.00 holding 2 units, and its town's staff
    order, payment = _pending()
    staff = list(order.town.staff.values_list("user__email", flat=True))

    # when Stripe says 15.00 was received for it
    wrong = intent_object(payment, charge="ch_wrong")
    wrong["amount_received"] = 1500
    post_event(client, event("payment_intent.succeeded", wrong))

    # then the order is not paid; the 15.00 is refunded on the charge and a person is asked
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (order.status, payment.status) == ("unpaid", "pending")
    assert (payment.needs_review, payment.mismatch_amount) == (True, Decimal("15.00"))
    assert payment.mismatch_refund_id.startswith("re_")
    assert [m.to for m in mail.outbox] == [staff]
    assert mail.outbox[0].subject == f"Paiement à vérifier sur la commande {order.number}"
    assert "15,00\xa0€ ont été reçus" in mail.outbox[0].body
    assert LedgerEntry.objects.count() == 0

    # when the same event comes again: flagged once
    post_event(client, event("payment_intent.succeeded", wrong))
    assert len(mail.outbox) == 1

    # and when the payment times out, the order is cancelled and its stock released
    cancelled = orders_cancel_timed_out(now=timezone.now() + timedelta(days=1))
    order.refresh_from_db()
    assert (cancelled, order.status, _allocated(order)) == ([order.pk], "cancelled", [0])
    assert_ledger_invariants()
