"""Refunding a shop order, fully or in part.

A refund of `amount` is split between the shop (`shop_share`) and the association
(`commission_refunded`):
- settings.COMMISSION_REFUNDED_WITH_REFUND (default True): the commission is refunded in
  proportion (half-up to the cent; the refund that completes the shop order takes exactly what
  remains), so the shop bears what it received in proportion: payout × amount / total.
- False: the association keeps its commission; the shop bears the whole refund, as long as it
  received enough (the rest, only reachable near a full refund, is borne by the association).
The customer gets `amount` back on the charge; when the shop's transfer was made, the shop's
share is reversed from it (once the transfer is sent, when it is still in flight).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.orders.allocation import lines_release
from marketplace.orders.lifecycle import order_close_if_done
from marketplace.orders.models import OrderLine, ShopOrder, ShopOrderStatus
from marketplace.orders.transitions import (
    HOLDS_STOCK,
    PAID_STATES,
    shop_order_transition_allowed,
)
from payments.error_codes import PaymentErrorCode
from payments.gateways import GatewayError, get_gateway
from payments.ledger import ZERO, MoneySum, ledger_record, ledger_record_many
from payments.models import (
    LedgerEntryKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Transfer,
    TransferStatus,
)
from payments.tasks import send_refund, send_refund_emails

CENT = Decimal("0.01")
REFUNDABLE_STATES = PAID_STATES | {ShopOrderStatus.CANCELLED, ShopOrderStatus.REFUSED}


def _error(field: str, message: str, code: PaymentErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def refund_commission_policy(*, town_id: int) -> bool:
    """Whether a refund gives the commission back: the town's governance setting, else
    settings.COMMISSION_REFUNDED_WITH_REFUND (default True)."""
    try:
        from marketplace.governance.town_settings import governance_settings_for
    except ImportError:
        return bool(getattr(settings, "COMMISSION_REFUNDED_WITH_REFUND", True))
    return governance_settings_for(town_id).refund_commission


def refund_split(
    *, shop_order: ShopOrder, amount: Decimal, previous: list[Refund]
) -> tuple[Decimal, Decimal]:
    """(shop_share, commission_refunded) of a new refund of `amount`, given the earlier ones."""
    total = shop_order.subtotal + shop_order.delivery_fee
    refunded_before = sum((r.amount for r in previous), ZERO)
    shop_before = sum((r.shop_share for r in previous), ZERO)
    commission_before = sum((r.commission_refunded for r in previous), ZERO)
    completes = refunded_before + amount == total
    if refund_commission_policy(town_id=shop_order.order.town_id):
        if completes:
            commission = shop_order.commission - commission_before
        else:
            commission = (shop_order.commission * amount / total).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            commission = min(commission, shop_order.commission - commission_before)
        return amount - commission, commission
    shop_share = min(amount, shop_order.payout - shop_before)
    return shop_share, amount - shop_share


def shop_order_refund(
    *, shop_order_id: int, amount: Decimal, user: Any = None, automatic: bool = False
) -> Refund:
    """Refunds `amount` of a paid shop order; the provider calls happen on commit."""
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise _error(
            "amount",
            _("The amount must be positive, with at most two decimals."),
            PaymentErrorCode.INVALID_AMOUNT,
        )
    with transaction.atomic():
        shop_order = (
            ShopOrder.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(pk=shop_order_id)
            .first()
        )
        if shop_order is None:
            raise _error("id", _("Shop order not found."), PaymentErrorCode.NOT_FOUND)
        payment = Payment.objects.filter(order_id=shop_order.order_id).first()
        if payment is None or payment.status != PaymentStatus.SUCCEEDED:
            raise _error("id", _("This shop order has not been paid."), PaymentErrorCode.NOT_PAID)
        if shop_order.status not in REFUNDABLE_STATES | {ShopOrderStatus.REFUNDED}:
            raise _error(
                "id", _("This shop order cannot be refunded."), PaymentErrorCode.NOT_REFUNDABLE
            )
        transfer = Transfer.objects.select_for_update().filter(shop_order_id=shop_order.pk).first()
        previous = list(
            Refund.objects.filter(shop_order_id=shop_order.pk)
            .exclude(status=RefundStatus.FAILED)
            .order_by("sequence")
        )
        total = shop_order.subtotal + shop_order.delivery_fee
        remaining = total - shop_order.refunded_amount
        if amount > remaining:
            raise _error(
                "amount",
                _("At most %(remaining)s can still be refunded.") % {"remaining": remaining},
                PaymentErrorCode.AMOUNT_TOO_LARGE,
            )
        shop_share, commission = refund_split(
            shop_order=shop_order, amount=amount, previous=previous
        )
        last = Refund.objects.filter(shop_order_id=shop_order.pk).order_by("-sequence").first()
        refund = Refund.objects.create(
            shop_order=shop_order,
            sequence=(last.sequence + 1) if last else 1,
            amount=amount,
            currency=shop_order.currency,
            shop_share=shop_share,
            commission_refunded=commission,
            reversal_due=transfer is not None
            and transfer.status != TransferStatus.SKIPPED
            and shop_share > 0,
            requested_by=user if getattr(user, "is_authenticated", False) else None,
        )
        ShopOrder.objects.filter(pk=shop_order.pk).update(
            refunded_amount=F("refunded_amount") + amount, updated_at=timezone.now()
        )
        if amount == remaining and shop_order_transition_allowed(
            shop_order.status, ShopOrderStatus.REFUNDED
        ):
            if shop_order.status in HOLDS_STOCK:
                lines_release(
                    lines=list(OrderLine.objects.filter(shop_order_id=shop_order.pk).order_by("pk"))
                )
            ShopOrder.objects.filter(pk=shop_order.pk).update(status=ShopOrderStatus.REFUNDED)
            order_close_if_done(order_id=shop_order.order_id)
        queue_task_on_commit(
            send_refund,
            cause=Cause("shop_order", shop_order.pk, "refund_automatic" if automatic else "refund"),
            refund_id=refund.pk,
        )
    return refund


def shop_order_refund_remaining(*, shop_order_id: int) -> Refund | None:
    """A paid shop order was cancelled or refused: refunds what remains of it (once)."""
    shop_order = ShopOrder.objects.get(pk=shop_order_id)
    remaining = shop_order.subtotal + shop_order.delivery_fee - shop_order.refunded_amount
    payment = Payment.objects.filter(order_id=shop_order.order_id).first()
    if remaining <= 0 or payment is None or payment.status != PaymentStatus.SUCCEEDED:
        return None
    try:
        return shop_order_refund(shop_order_id=shop_order_id, amount=remaining, automatic=True)
    except ValidationError:
        return None


def refund_send(*, refund_id: int) -> Refund:
    """Sends the refund, then the reversal when due. Each step once, state saved before the call.

    Raises GatewayError when the provider fails (retry as is: same idempotency keys).
    """
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        shop_order = ShopOrder.objects.select_related("order").get(pk=refund.shop_order_id)
        payment = Payment.objects.get(order_id=shop_order.order_id)
        refund.attempts += 1
        refund.save(update_fields=["attempts", "updated_at"])
    gateway = get_gateway(payment.gateway)
    base_key = f"shop-order-{shop_order.pk}-refund-{refund.sequence}"
    metadata = {
        "shop_order_id": str(shop_order.pk),
        "order_number": shop_order.order.number,
        "refund": str(refund.sequence),
    }
    if not refund.refund_id:
        try:
            provider_id = gateway.refund_create(
                charge_id=payment.charge_id,
                amount=refund.amount,
                currency=refund.currency,
                metadata=metadata,
                idempotency_key=base_key,
            )
        except GatewayError as error:
            _fail(refund.pk, error)
            raise
        with transaction.atomic():
            refund = Refund.objects.select_for_update().get(pk=refund_id)
            if not refund.refund_id:
                refund.refund_id = provider_id
                refund.status = RefundStatus.SUCCEEDED
                refund.last_error = ""
                refund.save(update_fields=["refund_id", "status", "last_error", "updated_at"])
                _record_refund(refund, shop_order)
                # The customer and the shop hear of it once the money is on its way back.
                queue_task_on_commit(
                    send_refund_emails,
                    cause=Cause("refund", refund_id, "succeeded"),
                    refund_id=refund_id,
                )
    if refund.reversal_due and not refund.reversal_id:
        refund = _reverse(refund, shop_order, gateway, f"{base_key}-reversal", metadata)
    return refund


def _fail(refund_id: int, error: GatewayError) -> None:
    """Saves the error; a refusal (not retryable) fails the refund and gives its amount back."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        refund.last_error = str(error)[:2000]
        fields = ["last_error", "updated_at"]
        if not error.retryable and not refund.refund_id and refund.status == RefundStatus.PENDING:
            refund.status = RefundStatus.FAILED
            refund.reversal_due = False
            fields += ["status", "reversal_due"]
            ShopOrder.objects.filter(pk=refund.shop_order_id).update(
                refunded_amount=F("refunded_amount") - refund.amount, updated_at=timezone.now()
            )
        refund.save(update_fields=fields)


def _record_refund(refund: Refund, shop_order: ShopOrder) -> None:
    common: dict[str, Any] = {
        "currency": refund.currency,
        "town_id": shop_order.order.town_id,
        "order_id": shop_order.order_id,
        "shop_order_id": shop_order.pk,
        "vendor_id": shop_order.vendor_id,
        "reference": refund.refund_id,
    }
    ledger_record_many(
        entries=[
            {"key": f"{kind.value}:{refund.pk}", "kind": kind, "amount": amount, **common}
            for kind, amount in (
                (LedgerEntryKind.REFUND, refund.amount),
                (LedgerEntryKind.REFUND_SHOP, refund.shop_share),
                (LedgerEntryKind.COMMISSION_REFUND, refund.commission_refunded),
            )
        ]
    )


def _reverse(
    refund: Refund, shop_order: ShopOrder, gateway: Any, key: str, metadata: dict[str, str]
) -> Refund:
    transfer = Transfer.objects.get(shop_order_id=shop_order.pk)
    if transfer.status != TransferStatus.SENT:
        return refund  # sent later: transfer_send asks for this reversal again
    reversed_by_others = (
        Refund.objects.filter(shop_order_id=shop_order.pk)
        .exclude(pk=refund.pk)
        .aggregate(total=MoneySum("reversal_amount"))["total"]
        or ZERO
    )
    amount = min(refund.shop_share, transfer.amount - reversed_by_others)
    if amount <= 0:
        Refund.objects.filter(pk=refund.pk).update(reversal_due=False)
        refund.reversal_due = False
        return refund
    try:
        reversal_id = gateway.transfer_reverse(
            transfer_id=transfer.transfer_id,
            amount=amount,
            currency=refund.currency,
            metadata=metadata,
            idempotency_key=key,
        )
    except GatewayError as error:
        Refund.objects.filter(pk=refund.pk).update(
            last_error=str(error)[:2000], updated_at=timezone.now()
        )
        raise
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.reversal_id:
            return refund
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        refund.reversal_id = reversal_id
        refund.reversal_amount = amount
        refund.save(update_fields=["reversal_id", "reversal_amount", "updated_at"])
        Transfer.objects.filter(pk=transfer.pk).update(
            reversed_amount=F("reversed_amount") + amount, updated_at=timezone.now()
        )
        ledger_record(
            key=f"reversal:{refund.pk}",
            kind=LedgerEntryKind.REVERSAL,
            amount=amount,
            currency=refund.currency,
            town_id=shop_order.order.town_id,
            order_id=shop_order.order_id,
            shop_order_id=shop_order.pk,
            vendor_id=shop_order.vendor_id,
            reference=reversal_id,
        )
    return refund


def refunds_to_retry() -> list[int]:
    """Refunds not sent yet, or whose reversal is still due on a sent transfer."""
    pending = Refund.objects.filter(status=RefundStatus.PENDING)
    reversals = Refund.objects.filter(
        status=RefundStatus.SUCCEEDED,
        reversal_due=True,
        reversal_id="",
        shop_order__transfer__status=TransferStatus.SENT,
    )
    ids = set(pending.values_list("pk", flat=True)[:500]) | set(
        reversals.values_list("pk", flat=True)[:500]
    )
    return sorted(ids)


def refund_apply_provider_status(*, refund_id_at_provider: str, status: str) -> bool:
    """`charge.refunded` / `refund.updated` / `refund.failed`: marks our refund failed when the
    provider says so (never goes back from succeeded to pending)."""
    if status not in ("failed", "canceled"):
        return False
    updated = Refund.objects.filter(refund_id=refund_id_at_provider).exclude(
        status=RefundStatus.FAILED
    )
    return bool(updated.update(status=RefundStatus.FAILED, updated_at=timezone.now()))
