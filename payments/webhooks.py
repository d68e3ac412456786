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
from payments.gateways.stripe_amounts import intent_amount_received
from payments.models import Payment, PaymentStatus, WebhookEvent, WebhookEventStatus
from payments.onboarding import connected_account_apply_event
from payments.refunds import refund_apply_provider_status
from payments.review import payment_flag_mismatch
from payments.tasks import process_webhook_event
from payments.transfers import transfer_apply_reversed_event

logger = logging.getLogger(__name__)

MAX_DEFERRED_ATTEMPTS = 50


class Deferred(Exception):
    """The event's object is not known yet: try again later."""


class MalformedEvent(ValueError):
    """A signed event that is not shaped as the provider's events are: answered 400, kept as
    `ignored` (once per id) and never processed."""


def _check_shape(event: dict[str, Any]) -> None:
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 128:
        raise MalformedEvent("the event id is not a string of at most 128 characters")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 64:
        raise MalformedEvent("the event type is not a string of at most 64 characters")
    created = event.get("created", 0)
    if isinstance(created, bool) or not isinstance(created, int | None):
        raise MalformedEvent("`created` is not a number of seconds")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("`data.object` is not an object")


def webhook_event_receive(*, event: dict[str, Any], gateway: str = "stripe") -> bool:
    """Stores a verified event once; its processing is queued on commit. False if a duplicate.

    Raises MalformedEvent (after keeping it as `ignored` when it has a usable id) for an event
    that is signed but not shaped as an event."""
    try:
        _check_shape(event)
    except MalformedEvent as error:
        event_id = event.get("id")
        if isinstance(event_id, str) and 0 < len(event_id) <= 128:
            with transaction.atomic():
                WebhookEvent.objects.get_or_create(
                    event_id=event_id,
                    defaults={
                        "gateway": gateway,
                        "type": str(event.get("type") or "")[:64],
                        "payload": event,
                        "status": WebhookEventStatus.IGNORED,
                        "note": f"malformed: {error}",
                        "processed_at": timezone.now(),
                    },
                )
        raise
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
    received = intent_amount_received(intent, payment.currency)
    if received != payment.amount:
        logger.error("intent %s: received %s for %s", payment.intent_id, received, payment.amount)
        return payment_flag_mismatch(
            payment=payment,
            received=received,
            charge_id=_charge_id(intent),
        )
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


def _refund_status(refund: dict[str, Any]) -> str:
    outcome = refund_apply_provider_status(
        refund_id_at_provider=str(refund.get("id") or ""),
        status=str(refund.get("status") or ""),
        metadata=dict(refund.get("metadata") or {}),
    )
    if outcome == "unknown_yet":
        raise Deferred(f"refund {refund.get('id')} is ours but not saved yet")
    return outcome


def _on_charge_refunded(event: WebhookEvent) -> str:
    charge = _object(event)
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    undone = sum(_refund_status(dict(item)) == "undone" for item in refunds)
    return f"{undone} failed refund(s) undone"


def _on_refund(event: WebhookEvent) -> str:
    undone = _refund_status(_object(event)) == "undone"
    return "failed refund undone" if undone else "nothing to change"


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
                if gave_up:
                    logger.error("webhook event %s given up: %s", event.event_id, deferred)
                    event.note = f"given up after {event.attempts} attempts: {deferred}"
            except ValueError as error:
                event.status, event.note = WebhookEventStatus.IGNORED, str(error)
            except (TypeError, KeyError, AttributeError, ArithmeticError) as error:
                # Not shaped as expected (a value of the wrong type, ...): retrying changes
                # nothing, so it is set aside for a person to look at.
                logger.warning("webhook event %s ignored: %r", event.event_id, error)
                event.status = WebhookEventStatus.IGNORED
                event.note = f"malformed: {error!r}"[:2000]
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
