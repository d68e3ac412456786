"""A created PaymentIntent is recorded on its payment once, whatever happened to the payment
between its start and the record (`payments.charges.payment_start_for_order`, on stripe-mock)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace.core.models import OutboxMessage
from marketplace.orders.models import Order, OrderStatus
from payments.charges import payment_end_unpaid, payment_prepare, payment_start_for_order
from payments.gateways import IntentResult
from payments.gateways.stripe import StripeGateway
from payments.models import Payment
from tests.factories import OrderFactory, TownFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _order_with_payment() -> tuple[Order, Payment]:
    """An unpaid order of 46.00 whose payment is prepared, without an intent (as checkoutComplete
    commits it)."""
    town = TownFactory()
    order = OrderFactory(town=town, shops=[(VendorFactory(town=town), "40.00", "6.00", "2.00")])
    return order, payment_prepare(order=order)


def _messages(payment: Payment) -> list[tuple[str, str]]:
    return list(
        OutboxMessage.objects.filter(cause_type="payment", cause_id=str(payment.pk))
        .order_by("pk")
        .values_list("task_name", "reason")
    )


def test_the_intent_is_recorded_in_one_statement_and_deferred_events_are_looked_at(
    stripe: Any,
) -> None:
    # given an order whose payment has no intent yet
    order, payment = _order_with_payment()
    # when its payment starts (stripe-mock creates the intent)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        outcome = payment_start_for_order(order=order, payment=payment)
    # then the intent is on the payment, still pending, and the caller's instance says so
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.intent_id.startswith("pi_")
    assert (stored.status, stored.client_secret) == ("pending", outcome.client_secret)
    assert (payment.intent_id, payment.status) == (stored.intent_id, "pending")
    assert (outcome.gateway, outcome.status) == ("stripe", "pending")
    # and an event that came before the record is looked at again once it is committed
    assert _messages(payment) == [("payments.tasks.process_deferred_webhook_events", "started")]
    # in two statements: the payment updated where it had no intent (returning its status),
    # and the outbox row (no locking read before them)
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 2
    assert statements[0].startswith('UPDATE "payments_payment"')
    assert statements[1].startswith('INSERT INTO "core_outboxmessage"')


def test_an_intent_recorded_by_a_concurrent_start_is_kept(stripe: Any, monkeypatch) -> None:
    # given a payment whose intent a first start recorded, and a second start that had read the
    # payment before that (its instance has no intent)
    order, payment = _order_with_payment()
    late = copy.copy(payment)
    first = payment_start_for_order(order=order, payment=payment)
    kept = Payment.objects.get(pk=payment.pk)
    # when the second one's call gives its own answer (the same key: Stripe gives the same
    # intent; a different id shows which one is kept) and it records it
    monkeypatch.setattr(
        StripeGateway,
        "payment_create",
        lambda self, **kwargs: IntentResult("pi_second", "pi_second_secret_x", "pending"),
    )
    outcome = payment_start_for_order(order=order, payment=late)
    # then the first record stands, and the second start answers with it
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.intent_id, stored.client_secret) == (kept.intent_id, kept.client_secret)
    assert outcome == first
    assert _messages(payment) == [("payments.tasks.process_deferred_webhook_events", "started")]


def test_an_intent_created_after_the_payment_was_given_up_is_canceled(
    stripe: Any, django_capture_on_commit_callbacks
) -> None:
    # given a payment start that read the payment pending, and the payment timeout that gave the
    # order up before the intent came back
    order, payment = _order_with_payment()
    late = copy.copy(payment)
    assert payment_end_unpaid(
        order_id=order.pk, status="canceled", reason="timeout", cancel_intent=True
    )
    # when the intent is recorded (its cancel, on commit, goes to stripe-mock)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = payment_start_for_order(order=order, payment=late)
    # then the intent is recorded on the payment, which stays given up, and is canceled
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.intent_id.startswith("pi_")
    assert (stored.status, outcome.status) == ("canceled", "canceled")
    assert _messages(payment) == [("payments.tasks.cancel_payment_intent", "intent_after_end")]
    assert OutboxMessage.objects.get(reason="intent_after_end").delivered_at is not None
    order.refresh_from_db()
    assert (order.status, order.total) == (OrderStatus.CANCELLED, Decimal("46.00"))
