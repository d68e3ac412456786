"""Inbound provider events: stored once per event id, processed later in Celery.

Processing is idempotent and order-proof: each handler moves an object only forward
(a payment that succeeded never fails afterwards, an account takes only newer snapshots, ...).
An event about a payment not committed yet (it can arrive before checkoutComplete returns) is
`deferred` and processed again when the payment is committed, or by the beat task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.core.outbox import Cause, queue_task_on_commit
from payments.charges import payment_end_unpaid, payment_succeed
from payments.disputes import dispute_funds_move, dispute_record
from payments.gateways.stripe import from_minor, to_minor
from payments.models import Payment, PaymentStatus, WebhookEvent, WebhookEventStatus
from payments.onboarding import connected_account_apply_event
from payments.refunds import refund_apply_provider_status
from payments.tasks import process_webhook_event
from payments.transfers import transfer_apply_reversed_event

logger = logging.getLogger(__name__)

MAX_DEFERRED_ATTEMPTS = 50


class Deferred(Exception):
    """The event's object is not known yet: try again later."""


def webhook_event_receive(*, event: dict[str, Any], gateway: str = "stripe") -> bool:
    """Stores a verified event once; its processing is queued on commit. False if a duplicate."""
    if WebhookEvent.objects.filter(event_id=str(event["id"])[:128]).exists():
        return False  # the common duplicate: one query
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                gateway=gateway,
                event_id=str(event["id"])[:128],
                type=str(event["type"])[:64],
                created=int(event.get("created") or 0),
                payload=event,
            )
            queue_task_on_commit(
                process_webhook_event,
                cause=Cause("webhook_event", stored.pk, stored.type),
                event_pk=stored.pk,
            )
    except IntegrityError:
        return False
    return True


def _object(event: WebhookEvent) -> dict[str, Any]:
    return dict(((event.payload.get("data") or {}).get("object")) or {})


def _payment_for_intent(intent: dict[str, Any]) -> Payment:
    """The payment of an intent, locked: by our metadata order id, checked against the intent."""
    order_id = str((intent.get("metadata") or {}).get("order_id") or "")
    payments = Payment.objects.select_for_update()
    payment = None
    if order_id.isdigit():
        payment = payments.filter(order_id=int(order_id)).first()
    if payment is None:
        payment = payments.filter(intent_id=str(intent.get("id", ""))).order_by("pk").first()
    if payment is None or not payment.intent_id:
        raise Deferred(f"no committed payment for intent {intent.get('id')}")
    if payment.intent_id != intent.get("id"):
        raise ValueError(f"intent {intent.get('id')} is not payment {payment.pk}'s")
    return payment


def _charge_id(intent: dict[str, Any]) -> str:
    charge = intent.get("latest_charge") or ""
    if isinstance(charge, dict):
        return str(charge.get("id", ""))
    return str(charge)


def _on_intent_succeeded(event: WebhookEvent) -> str:
    intent = _object(event)
    payment = _payment_for_intent(intent)
    if payment.status == PaymentStatus.SUCCEEDED:
        return "already succeeded"
    received = int(intent.get("amount_received") or intent.get("amount") or 0)
    if received != to_minor(payment.amount, payment.currency):
        logger.error("intent %s: received %s for %s", payment.intent_id, received, payment.amount)
        return f"amount mismatch: {from_minor(received, payment.currency)} != {payment.amount}"
    payment_succeed(payment=payment, charge_id=_charge_id(intent))
    return "payment succeeded"


def _on_intent_ended(status: str, reason: str) -> Callable[[WebhookEvent], str]:
    def handle(event: WebhookEvent) -> str:
        intent = _object(event)
        payment = _payment_for_intent(intent)
        if payment.status != PaymentStatus.PENDING:
            return f"payment already {payment.status}"
        error = intent.get("last_payment_error") or {}
        if error:
            Payment.objects.filter(pk=payment.pk).update(
                failure_code=str(error.get("code") or error.get("decline_code") or "")[:64]
            )
        payment_end_unpaid(
            order_id=payment.order_id,
            status=status,
            reason=reason,
            cancel_intent=status == PaymentStatus.FAILED,
        )
        return f"payment {status}"

    return handle


def _on_charge_refunded(event: WebhookEvent) -> str:
    charge = _object(event)
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    changed = 0
    for item in refunds:
        changed += refund_apply_provider_status(
            refund_id_at_provider=str(item.get("id", "")), status=str(item.get("status", ""))
        )
    return f"{changed} refund(s) marked failed"


def _on_refund(event: WebhookEvent) -> str:
    refund = _object(event)
    changed = refund_apply_provider_status(
        refund_id_at_provider=str(refund.get("id", "")), status=str(refund.get("status", ""))
    )
    return "refund marked failed" if changed else "nothing to change"


def _on_dispute(event: WebhookEvent) -> str:
    return dispute_record(dispute_data=_object(event))


def _on_dispute_funds(withdrawn: bool) -> Callable[[WebhookEvent], str]:
    def handle(event: WebhookEvent) -> str:
        return dispute_funds_move(dispute_data=_object(event), withdrawn=withdrawn)

    return handle


def _on_transfer_reversed(event: WebhookEvent) -> str:
    changed = transfer_apply_reversed_event(transfer_data=_object(event))
    return "reversal beyond our records noted" if changed else "nothing to change"


def _on_account_updated(event: WebhookEvent) -> str:
    changed = connected_account_apply_event(account_data=_object(event), created=event.created)
    return "account updated" if changed else "unknown or older snapshot"


HANDLERS: dict[str, Callable[[WebhookEvent], str]] = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_ended(PaymentStatus.FAILED, "payment_failed"),
    "payment_intent.canceled": _on_intent_ended(PaymentStatus.CANCELED, "payment_canceled"),
    "charge.refunded": _on_charge_refunded,
    "charge.refund.updated": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.dispute.created": _on_dispute,
    "charge.dispute.updated": _on_dispute,
    "charge.dispute.closed": _on_dispute,
    "charge.dispute.funds_withdrawn": _on_dispute_funds(withdrawn=True),
    "charge.dispute.funds_reinstated": _on_dispute_funds(withdrawn=False),
    "transfer.reversed": _on_transfer_reversed,
    "account.updated": _on_account_updated,
}


def webhook_event_process(*, event_pk: int) -> str:
    """Processes a stored event once. Returns its status (`deferred`: try again later)."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.status in (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED):
            return str(event.status)
        event.attempts += 1
        handler = HANDLERS.get(event.type)
        if handler is None:
            event.status, event.note = WebhookEventStatus.IGNORED, "type not handled"
        else:
            try:
                with transaction.atomic():
                    event.note = handler(event)
                event.status = WebhookEventStatus.PROCESSED
            except Deferred as deferred:
                gave_up = event.attempts >= MAX_DEFERRED_ATTEMPTS
                event.status = (
                    WebhookEventStatus.IGNORED if gave_up else WebhookEventStatus.DEFERRED
                )
                event.note = str(deferred)
            except ValueError as error:
                event.status, event.note = WebhookEventStatus.IGNORED, str(error)
        if event.status != WebhookEventStatus.DEFERRED:
            event.processed_at = timezone.now()
        event.save(update_fields=["status", "note", "attempts", "processed_at"])
        return str(event.status)


def webhook_events_deferred() -> list[int]:
    return list(
        WebhookEvent.objects.filter(
            status__in=[WebhookEventStatus.DEFERRED, WebhookEventStatus.RECEIVED]
        )
        .order_by("created", "pk")
        .values_list("pk", flat=True)[:500]
    )
