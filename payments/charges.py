"""An order's payment: start it, then follow it to succeeded, failed or canceled.

checkoutComplete commits the order with its payment pending (`payment_pending`), then creates the
PaymentIntent outside any transaction (`payment_start_for_order`: a slow provider holds no lock and
no connection in a transaction) and records it. The intent's idempotency key holds the order's
primary key and the attempt, so a retried call never makes a second intent for an order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.core.compiled import Slot, compiled_query
from marketplace.core.money import ZERO
from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.core.updates import (
    compiled_update_returning_statement,
    compiled_update_statement,
    rows_returned,
    statements_run,
)
from marketplace.governance.audit import audit_record
from marketplace.governance.models import AuditAction
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.lifecycle import order_cancel_unpaid, order_mark_paid
from marketplace.orders.models import Order, OrderStatus, ShopOrder
from payments.error_codes import PaymentErrorCode
from payments.gateways import GatewayError, IntentResult, get_gateway
from payments.ledger import ledger_record, ledger_record_many_statement
from payments.models import LedgerEntryKind, Payment, PaymentStatus
from payments.tasks import (
    cancel_payment_intent,
    process_deferred_webhook_events,
    record_payment_fee,
    refund_cancelled_shop_order,
    schedule_transfer,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentOutcome:
    gateway: str
    status: str
    client_secret: str | None
    # The order as the payment start left it (paid at once with the dummy gateway), when read.
    order: Order | None = None


def intent_key(payment: Payment) -> str:
    return f"order-{payment.order_id}-payment-intent-{payment.attempt}"


def _outcome(payment: Payment, order: Order | None = None) -> PaymentOutcome:
    return PaymentOutcome(payment.gateway, payment.status, payment.client_secret or None, order)


def payment_pending(*, order: Order) -> Payment:
    """The payment of a new order, pending and without a PaymentIntent yet, not saved.

    checkoutComplete inserts it with the order, in its transaction, so the order is committed
    with its payment pending; the intent is created after that commit by
    `payment_start_for_order`.
    """
    return Payment(
        order=order, gateway=get_gateway().name, amount=order.total, currency=order.currency
    )


def payment_prepare(*, order: Order) -> Payment:
    """`payment_pending`, saved (one INSERT)."""
    payment = payment_pending(order=order)
    payment.save(force_insert=True)
    return payment


def payment_start_for_order(
    *, order: Order, payment: Payment | None = None, shop_orders: list[ShopOrder] | None = None
) -> PaymentOutcome:
    """Creates the order's PaymentIntent once and records it; the outcome holds the order as it
    is then (paid at once with the dummy gateway).

    Called after checkoutComplete has committed, outside any transaction: the call to the provider
    holds no row lock and no database transaction. The idempotency key is the order's and the
    attempt's, so calling again (a retried checkoutComplete) never makes a second intent. When the
    provider cannot be reached, the order stays unpaid with its payment pending (ValidationError
    GATEWAY_ERROR): a retry drives it again with the same key, and the payment timeout cancels it.
    `payment`: the order's, when the caller has just prepared it (saves reading it);
    `shop_orders`: all of the order's, when the caller has just inserted them (the same).
    """
    if payment is None:
        payment = Payment.objects.filter(order_id=order.pk).first()
    if payment is None:  # an order placed before its payment was prepared in the checkout
        payment = payment_prepare(order=order)
    if payment.intent_id or payment.status != PaymentStatus.PENDING:
        return _outcome(payment, order)
    try:
        result = get_gateway(payment.gateway).payment_create(
            amount=payment.amount,
            currency=payment.currency,
            transfer_group=order.number,
            metadata={"order_id": str(order.pk), "order_number": order.number},
            idempotency_key=intent_key(payment),
        )
    except GatewayError as error:
        logger.warning("payment start failed for order %s: %s", order.pk, error)
        raise ValidationError(
            {
                "payment": ValidationError(
                    _("The payment could not be started, please try again."),
                    code=PaymentErrorCode.GATEWAY_ERROR.value,
                )
            }
        ) from error
    if result.status == "succeeded":
        return _payment_record_paid_intent(
            payment_id=payment.pk, order=order, result=result, shop_orders=shop_orders
        )
    return _payment_record_intent(payment=payment, order=order, result=result)


def _payment_record_intent(
    *, payment: Payment, order: Order, result: IntentResult
) -> PaymentOutcome:
    """Records a created intent, not paid yet (Stripe's), on the payment if it has none yet:
    one UPDATE, which locks the row as a locking read would and gives back its status, then the
    task that status calls for. `payment`: the caller's instance, updated."""
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        recorded = {
            "intent_id": result.intent_id,
            "client_secret": result.client_secret or "",
            "updated_at": now,
        }
        statuses = rows_returned(
            using=Payment.objects.db,
            # Compiled once per process (marketplace.core.updates): every order's payment start.
            statement=compiled_update_returning_statement(
                Payment,
                where={"pk": payment.pk, "intent_id": ""},
                values=recorded,
                returning="status",
            ),
        )
        if not statuses:
            # Recorded by a concurrent retry (the same key: the same intent), or no such payment.
            stored = Payment.objects.get(pk=payment.pk)
            return _outcome(stored, order)
        for field, value in recorded.items():
            setattr(payment, field, value)
        payment.status = statuses[0]
        if payment.status != PaymentStatus.PENDING:
            _intent_after_end_cancel(payment)
        else:
            # An event about this intent may have come before this commit: processed again.
            queue_task_on_commit(
                process_deferred_webhook_events, cause=Cause("payment", payment.pk, "started")
            )
        return _outcome(payment, order)


def _paid_intent_lock_query() -> QuerySet[Payment]:
    return (
        Payment.objects.filter(pk=Slot("pk", Payment._meta.pk))
        .select_related("order")
        .select_for_update(of=("self", "order"))
    )


def _payment_record_paid_intent(
    *, payment_id: int, order: Order, result: IntentResult, shop_orders: list[ShopOrder] | None
) -> PaymentOutcome:
    """Records an intent paid as it was created (the dummy gateway's) with the payment's
    success. Locks the payment and its order (one SELECT joining both, locked in that order:
    the webhooks' order of locks)."""
    with transaction.atomic(savepoint=False):
        # Compiled once per process (marketplace.core.compiled): checkoutComplete's.
        found = compiled_query(("payment_record_paid_intent_lock",), _paid_intent_lock_query).run(
            pk=payment_id
        )
        if not found:
            raise Payment.DoesNotExist(f"No payment {payment_id}.")
        payment = found[0]
        if payment.intent_id:  # recorded by a concurrent retry (the same key: the same intent)
            return _outcome(payment, order)
        payment.intent_id = result.intent_id
        payment.client_secret = result.client_secret or ""
        if payment.status == PaymentStatus.PENDING:
            # Saved with its success, in one UPDATE.
            order = payment.order
            payment_succeed(
                payment=payment, charge_id=result.charge_id, order=order, shop_orders=shop_orders
            )
            return _outcome(payment, order)
        payment.save(update_fields=["intent_id", "client_secret", "updated_at"])
        _intent_after_end_cancel(payment)
        return _outcome(payment, order)


def _intent_after_end_cancel(payment: Payment) -> None:
    """The payment was given up (the payment timeout) before its new intent was recorded: the
    intent must never be paid, and is canceled after the commit."""
    queue_task_on_commit(
        cancel_payment_intent,
        cause=Cause("payment", payment.pk, "intent_after_end"),
        payment_id=payment.pk,
    )


def _charge_entries(
    payment: Payment, order: Order, shop_orders: list[ShopOrder], when: datetime
) -> list[dict[str, Any]]:
    entries = []
    for shop_order in shop_orders:
        common = {
            "currency": order.currency,
            "town_id": order.town_id,
            "order_id": order.pk,
            "shop_order_id": shop_order.pk,
            "vendor_id": shop_order.vendor_id,
            "reference": payment.charge_id,
            "occurred_at": when,
        }
        for kind, amount in (
            (LedgerEntryKind.CHARGE, shop_order.subtotal + shop_order.delivery_fee),
            (LedgerEntryKind.SHOP_SHARE, shop_order.payout),
            (LedgerEntryKind.COMMISSION, shop_order.commission),
        ):
            entries.append(
                {"key": f"{kind.value}:{shop_order.pk}", "kind": kind, "amount": amount, **common}
            )
    return entries


def payment_succeed(
    *,
    payment: Payment,
    charge_id: str,
    order: Order | None = None,
    shop_orders: list[ShopOrder] | None = None,
) -> Payment:
    """pending → succeeded: ledger, order paid, then (on commit) fee and maybe transfers.

    The caller holds the payment row locked, and passes its `order` only when it holds that row
    locked too (else it is locked here); `shop_orders`: all of the order's, when it has them
    (their snapshots never change; their statuses are kept up to date here). Idempotent. Runs in
    the caller's transaction when there is one (no savepoint: an error aborts it all).
    """
    with transaction.atomic(savepoint=False):
        if payment.status == PaymentStatus.SUCCEEDED:
            return payment
        if order is None:
            order = Order.objects.select_for_update().get(pk=payment.order_id)
        now = timezone.now()
        payment.status = PaymentStatus.SUCCEEDED
        payment.charge_id = charge_id or payment.charge_id
        payment.succeeded_at = now
        if not get_gateway(payment.gateway).charges_fees:
            payment.fee = ZERO  # known now: no task to fetch it
        payment.updated_at = now
        fields = [
            "status", "charge_id", "succeeded_at", "fee", "updated_at",
            "intent_id", "client_secret",  # set by the caller when paid as it starts
        ]  # fmt: skip
        if shop_orders is None:
            shop_orders = list(ShopOrder.objects.filter(order_id=order.pk).order_by("pk"))
        # The payment's row and the charge's ledger rows are written with the order's move to
        # paid, in one statement (marketplace.core.updates).
        writes = [
            compiled_update_statement(
                Payment, where={"pk": payment.pk}, values={f: getattr(payment, f) for f in fields}
            )
        ]
        ledger = ledger_record_many_statement(
            entries=_charge_entries(payment, order, shop_orders, now)
        )
        if ledger is not None:
            writes.append(ledger)
        if order.status != OrderStatus.UNPAID:
            statements_run(using=Payment.objects.db, statements=writes)
            # The money arrived for an order cancelled meanwhile (failure, timeout): it is
            # recorded as it happened, then refunded in full, shop order by shop order.
            logger.warning("payment succeeded for order %s, %s: refunding", order.pk, order.status)
            cause = Cause("payment", payment.pk, "succeeded_after_cancel")
            queue_task_on_commit(record_payment_fee, cause=cause, payment_id=payment.pk)
            for shop_order in shop_orders:
                queue_task_on_commit(
                    refund_cancelled_shop_order, cause=cause, shop_order_id=shop_order.pk
                )
            return payment
        order_mark_paid(order=order, shop_orders=shop_orders, also=writes)
        cause = Cause("payment", payment.pk, "succeeded")
        if payment.fee is None:
            queue_task_on_commit(record_payment_fee, cause=cause, payment_id=payment.pk)
        if getattr(settings, "TRANSFER_TRIGGER", "fulfilment") == "payment":
            for shop_order in shop_orders:
                queue_task_on_commit(schedule_transfer, cause=cause, shop_order_id=shop_order.pk)
    return payment


def payment_record_fee(*, payment_id: int) -> Decimal | None:
    """Records Stripe's fee on the charge in the ledger (once)."""
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    if payment.status != PaymentStatus.SUCCEEDED or not payment.charge_id:
        return None
    if payment.fee is not None:
        return payment.fee
    fee = get_gateway(payment.gateway).charge_fee(charge_id=payment.charge_id)
    if fee is None:
        return None
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment_id)
        if locked.fee is not None:
            return locked.fee
        locked.fee = fee
        locked.save(update_fields=["fee", "updated_at"])
        ledger_record(
            key=f"stripe_fee:{payment.pk}",
            kind=LedgerEntryKind.STRIPE_FEE,
            amount=fee,
            currency=payment.currency,
            town_id=payment.order.town_id,
            order_id=payment.order_id,
            reference=payment.charge_id,
        )
    return fee


def payment_end_unpaid(*, order_id: int, status: str, reason: str, cancel_intent: bool) -> bool:
    """A payment that failed, was canceled or timed out: the order is cancelled, its stock
    released (order_cancel_unpaid), and the PaymentIntent canceled at the provider on commit.
    Returns False (changes nothing) when the payment had already succeeded.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
        if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
            return False
        if payment is not None and payment.status == PaymentStatus.PENDING:
            payment.status = status
            payment.failure_message = reason
            payment.save(update_fields=["status", "failure_message", "updated_at"])
            if cancel_intent and payment.intent_id and payment.gateway == "stripe":
                queue_task_on_commit(
                    cancel_payment_intent,
                    cause=Cause("payment", payment.pk, status),
                    payment_id=payment.pk,
                )
        order_cancel_unpaid(order_id=order_id, reason=reason)
    return True


def order_cancel_before_payment(
    *, order_id: int, reason: str, staff: Requester | None = None
) -> Order:
    """The customer (or the town's staff) gives up an order not paid yet: the payment is canceled
    (the intent too, at the provider), every shop order cancelled and its stock released.
    Idempotent. A paid order is refused (ALREADY_PAID): its shop orders are cancelled one by one.
    `staff`: the staff member cancelling it, recorded in the town's audit log."""
    with transaction.atomic():
        # Not locked here: payment_end_unpaid locks the payment, then the order (the webhooks'
        # order).
        order = Order.objects.filter(pk=order_id).first()
        if order is None:
            raise ValidationError(
                {"id": ValidationError(_("Order not found."), code=OrderErrorCode.NOT_FOUND.value)}
            )
        if order.status == OrderStatus.CANCELLED:
            return order
        if order.status != OrderStatus.UNPAID or not payment_end_unpaid(
            order_id=order.pk, status=PaymentStatus.CANCELED, reason=reason, cancel_intent=True
        ):
            raise ValidationError(
                {
                    "id": ValidationError(
                        _("This order is paid: cancel its shop orders one by one."),
                        code=OrderErrorCode.ALREADY_PAID.value,
                    )
                }
            )
        order.refresh_from_db(fields=["status", "updated_at"])
        if staff is not None:
            audit_record(
                town_id=order.town_id,
                actor=staff,
                action=AuditAction.ORDER_CANCEL,
                obj=order,
                reason=reason,
                after={"order": order.number, "status": order.status},
            )
    return order


def payment_cancel_intent(*, payment_id: int) -> None:
    payment = Payment.objects.get(pk=payment_id)
    get_gateway(payment.gateway).payment_cancel(
        intent_id=payment.intent_id, idempotency_key=f"{intent_key(payment)}-cancel"
    )


def unpaid_orders_placed_before(limit: datetime) -> QuerySet[Order, int]:
    """The keys of the orders still unpaid that were placed before `limit`, oldest key first
    (read through the orders' partial index `order_unpaid_since`)."""
    return (
        Order.objects.filter(status=OrderStatus.UNPAID, created_at__lt=limit)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def orders_cancel_timed_out(*, now: datetime | None = None) -> list[int]:
    """Cancels the orders still unpaid PAYMENT_TIMEOUT_MINUTES after they were placed."""
    minutes = int(getattr(settings, "PAYMENT_TIMEOUT_MINUTES", 60))
    limit = (now or timezone.now()) - timedelta(minutes=minutes)
    order_ids = list(unpaid_orders_placed_before(limit)[:500])
    cancelled = []
    for order_id in order_ids:
        if payment_end_unpaid(
            order_id=order_id,
            status=PaymentStatus.CANCELED,
            reason="payment_timeout",
            cancel_intent=True,
        ):
            cancelled.append(order_id)
    return cancelled
