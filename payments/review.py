"""Money received that does not match its order (`payment_intent.succeeded` for another amount).

The order is never marked paid on it: the payment is flagged for a person (`needs_review`, the
town's staff emailed), the amount received is refunded in full on the charge, and the order,
still unpaid, is cancelled by the payment timeout like any unpaid order (its stock released).
Nothing is booked in the ledger: the money came in and went back out (`reconcile_stripe` shows
the charge and its refund).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from marketplace.core.outbox import Cause, queue_task_on_commit
from payments.gateways import get_gateway
from payments.models import Payment, PaymentStatus
from payments.tasks import refund_mismatched_payment, send_payment_review_email


def payment_flag_mismatch(*, payment: Payment, received: Decimal, charge_id: str) -> str:
    """Flags a pending payment whose money received is not its amount. The caller holds the
    payment row locked. Idempotent."""
    if payment.needs_review or payment.status != PaymentStatus.PENDING:
        return "already flagged"
    payment.needs_review = True
    payment.mismatch_amount = received
    payment.charge_id = charge_id or payment.charge_id
    payment.failure_code = "amount_mismatch"
    payment.failure_message = f"received {received} {payment.currency} for {payment.amount}"
    payment.save(
        update_fields=[
            "needs_review",
            "mismatch_amount",
            "charge_id",
            "failure_code",
            "failure_message",
            "updated_at",
        ]
    )
    cause = Cause("payment", payment.pk, "amount_mismatch")
    queue_task_on_commit(refund_mismatched_payment, cause=cause, payment_id=payment.pk)
    queue_task_on_commit(send_payment_review_email, cause=cause, payment_id=payment.pk)
    return f"amount mismatch: {received} != {payment.amount}"


def payment_refund_mismatch(*, payment_id: int) -> str:
    """Refunds in full the money received for a flagged payment (once; GatewayError: retry)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.mismatch_refund_id or not payment.mismatch_amount or not payment.charge_id:
        return payment.mismatch_refund_id
    refund_id = get_gateway(payment.gateway).refund_create(
        charge_id=payment.charge_id,
        amount=payment.mismatch_amount,
        currency=payment.currency,
        metadata={"order_id": str(payment.order_id), "reason": "amount_mismatch"},
        idempotency_key=f"order-{payment.order_id}-payment-{payment.attempt}-mismatch-refund",
    )
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, mismatch_refund_id="").update(
            mismatch_refund_id=refund_id
        )
    return refund_id
