"""Refunding a shop order, fully or in part.

A refund of `amount` is split between the shop (`shop_share`) and the association
(`commission_refunded`):
- the town's setting `refund_commission` (default True): the commission is refunded in
  proportion (half-up to the cent; the refund that completes the shop order takes exactly what
  remains), so the shop bears what it received in proportion: payout × amount / total.
- False: the association keeps its commission; the shop bears the whole refund, as long as it
  received enough (the rest, only reachable near a full refund, is borne by the association).
Shares are allocated on the running total (the commission refunded after a refund is the
commission × refunded so far / total, half-up, less what earlier refunds gave back), so every
share lies between 0 and the refund's amount and the refund that completes the shop order takes
exactly what remains, however many parts it was refunded in.

The customer gets `amount` back on the charge; the ledger books it once the provider accepted it.
When the shop's transfer exists, the shop's share is reversed from it (once the transfer is sent;
the amount is fixed under the transfer's lock before the provider is asked). A refund still
pending is never kept from a transfer: the transfer is made in full and the share reversed once
the refund succeeds.

A refund the provider refuses outright fails at once (nothing was booked). One that fails later
(`refund.failed`, a `charge.refunded` / `refund.updated` with a failed refund) is undone
(`refund_undo`): the shop order can be refunded again, the ledger entries are reversed, what the
shop lost by it is given back by a new transfer, and the shop and the town's staff are told (and
the customer, who had been told of the refund). Either way a shop order the refund had moved to
`refunded` goes back by the state it left (fulfilled stays fulfilled, an open one is cancelled).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from celery import Task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.requester import Requester
from marketplace.core.money import ZERO, is_whole_cents, money_round, money_text
from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.governance.audit import audit_record
from marketplace.governance.models import AuditAction
from marketplace.governance.town_settings import governance_settings_for
from marketplace.orders.allocation import lines_release
from marketplace.orders.lifecycle import order_close_if_done
from marketplace.orders.models import OrderLine, ShopOrder, ShopOrderStatus
from marketplace.orders.status import shop_order_move_refund_failed, shop_order_move_refunded
from marketplace.orders.transitions import (
    HOLDS_STOCK,
    REFUNDABLE_STATES,
    shop_order_transition_allowed,
)
from payments.emails import REFUND_AUDIENCES, REFUND_FAILED_AUDIENCES
from payments.error_codes import PaymentErrorCode
from payments.gateways import GatewayError, get_gateway
from payments.idempotency_keys import idempotency_key, key_window_check
from payments.ledger import ledger_balances, ledger_record, ledger_record_many
from payments.models import (
    LedgerEntryKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Transfer,
    TransferStatus,
)
from payments.tasks import send_refund, send_refund_emails, send_refund_failed_emails
from payments.transfers import shop_order_fee_adjust, transfer_destination

# A refund's reason is told to the customer and the shop, and shown in the back offices' tables:
# a sentence or two. The rule for every path (API, shop, association); the column holds more
# (`payments.models.REFUND_REASON_MAX_LENGTH`), for the refunds recorded before it.
REFUND_REASON_MAX_CHARACTERS = 500


def _error(field: str, message: str, code: PaymentErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def refund_reason_clean(reason: str) -> str:
    """`reason` without surrounding spaces; a `reason` error when it is too long."""
    reason = (reason or "").strip()
    if len(reason) > REFUND_REASON_MAX_CHARACTERS:
        raise _error(
            "reason",
            _("The reason may have at most %(max)s characters (it has %(length)s).")
            % {"max": REFUND_REASON_MAX_CHARACTERS, "length": len(reason)},
            PaymentErrorCode.INVALID,
        )
    return reason


def refund_amount_check(amount: Decimal) -> None:
    """An `amount` error unless it is a positive amount in whole cents."""
    if not amount.is_finite() or amount <= 0 or not is_whole_cents(amount):
        raise _error(
            "amount",
            _("The amount must be positive, with at most two decimals."),
            PaymentErrorCode.INVALID_AMOUNT,
        )


def refund_amount_too_large(*, remaining: Decimal, currency: str) -> ValidationError:
    """The `amount` error of a refund above what remains, the amount written the language's way."""
    return _error(
        "amount",
        _("At most %(remaining)s can still be refunded.")
        % {"remaining": money_text(remaining, currency)},
        PaymentErrorCode.AMOUNT_TOO_LARGE,
    )


def refund_commission_policy(*, town_id: int) -> bool:
    """Whether a refund gives the commission back: the town's governance setting (default True)."""
    return governance_settings_for(town_id).refund_commission


def refund_split(
    *, shop_order: ShopOrder, amount: Decimal, previous: list[Refund]
) -> tuple[Decimal, Decimal]:
    """(shop_share, commission_refunded) of a new refund of `amount`, given the earlier ones
    (not failed). Both lie in [0, amount]; the shop never bears more than its payout left, the
    association never gives back more than its commission left."""
    total = shop_order.subtotal + shop_order.delivery_fee
    refunded_before = sum((r.amount for r in previous), ZERO)
    shop_before = sum((r.shop_share for r in previous), ZERO)
    commission_before = sum((r.commission_refunded for r in previous), ZERO)
    commission_left = shop_order.commission - commission_before
    payout_left = shop_order.payout - shop_before
    if refunded_before + amount == total:
        commission = commission_left
    elif refund_commission_policy(town_id=shop_order.order.town_id):
        refunded_after = refunded_before + amount
        target = money_round(shop_order.commission * refunded_after / total)
        commission = target - commission_before
    else:
        commission = amount - min(amount, payout_left)
    # Within bounds whatever earlier refunds (some maybe failed) gave back.
    commission = min(commission, amount, max(commission_left, ZERO))
    commission = max(commission, amount - max(payout_left, ZERO), ZERO)
    return amount - commission, commission


def shop_order_refund(
    *,
    shop_order_id: int,
    amount: Decimal,
    user: Requester | None = None,
    automatic: bool = False,
    reason: str = "",
    by_staff: bool = False,
) -> Refund:
    """Refunds `amount` of a paid shop order, for `reason` (kept, and told to the customer);
    the provider calls happen on commit. `by_staff`: `user` acts as the town's staff, and the
    town's audit log records it."""
    refund_amount_check(amount)
    reason = refund_reason_clean(reason)
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
        if shop_order.status not in REFUNDABLE_STATES:
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
            raise refund_amount_too_large(remaining=remaining, currency=shop_order.currency)
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
            requested_by=user if user is not None and user.is_authenticated else None,
            reason=reason,
        )
        # Summed here, in Decimal, on the locked row (SQLite would add floats).
        ShopOrder.objects.filter(pk=shop_order.pk).update(
            refunded_amount=shop_order.refunded_amount + amount, updated_at=timezone.now()
        )
        if amount == remaining and shop_order_transition_allowed(
            shop_order.status, ShopOrderStatus.REFUNDED
        ):
            if shop_order.status in HOLDS_STOCK:
                lines_release(
                    lines=list(OrderLine.objects.filter(shop_order_id=shop_order.pk).order_by("pk"))
                )
            shop_order_move_refunded(shop_order=shop_order)
            order_close_if_done(order_id=shop_order.order_id)
        if by_staff:
            audit_record(
                town_id=shop_order.order.town_id,
                actor=user,
                action=AuditAction.SHOP_ORDER_REFUND,
                obj=shop_order,
                reason=reason,
                after={"order": shop_order.order.number, "amount": amount},
            )
        queue_task_on_commit(
            send_refund,
            cause=Cause("shop_order", shop_order.pk, "refund_automatic" if automatic else "refund"),
            refund_id=refund.pk,
        )
    return refund


def shop_order_refund_remaining(
    *, shop_order_id: int, requested_by_id: int | None = None, reason: str = ""
) -> Refund | None:
    """A paid shop order was cancelled or refused: refunds what remains of it (once).

    Cancelled by the town's staff: the refund records who asked it and why (`requested_by_id`,
    `reason`: what the cancellation queued with its refund, `orders.lifecycle`)."""
    shop_order = ShopOrder.objects.get(pk=shop_order_id)
    remaining = shop_order.subtotal + shop_order.delivery_fee - shop_order.refunded_amount
    payment = Payment.objects.filter(order_id=shop_order.order_id).first()
    if remaining <= 0 or payment is None or payment.status != PaymentStatus.SUCCEEDED:
        return None
    requested_by = (
        User.objects.filter(pk=requested_by_id).first() if requested_by_id is not None else None
    )
    try:
        return shop_order_refund(
            shop_order_id=shop_order_id,
            amount=remaining,
            automatic=True,
            user=requested_by,
            reason=_shortened(reason),
        )
    except ValidationError:
        return None


def _shortened(reason: str) -> str:
    """A reason written under a longer limit (a cancellation's), within a refund's."""
    reason = reason.strip()
    if len(reason) <= REFUND_REASON_MAX_CHARACTERS:
        return reason
    return reason[: REFUND_REASON_MAX_CHARACTERS - 1].rstrip() + "…"


def _has_work(refund: Refund) -> bool:
    if refund.status == RefundStatus.PENDING:
        return True
    if refund.status == RefundStatus.SUCCEEDED:
        return refund.reversal_due and not refund.reversal_id
    return refund.restore_due and not refund.restore_id


def refund_send(*, refund_id: int) -> Refund:
    """Sends the refund, then the reversal when due (or, for a refund undone, gives the shop
    back what it lost). Each step once, state saved before the call.

    Raises GatewayError when the provider fails (retry as is: same idempotency keys).
    """
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if not _has_work(refund):
            return refund
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
    if refund.status == RefundStatus.PENDING and not refund.refund_id:
        provider_id = _create(refund, payment, gateway, base_key, metadata)
        with transaction.atomic():
            locked_order = (
                ShopOrder.objects.select_for_update(of=("self",))
                .select_related("order")
                .get(pk=shop_order.pk)
            )
            refund = Refund.objects.select_for_update().get(pk=refund_id)
            if not refund.refund_id and refund.status == RefundStatus.PENDING:
                refund.refund_id = provider_id
                refund.status = RefundStatus.SUCCEEDED
                refund.last_error = ""
                refund.save(update_fields=["refund_id", "status", "last_error", "updated_at"])
                _record_refund(refund, locked_order)
                shop_order_fee_adjust(shop_order=locked_order, payment=payment)
                # The customer and the shop hear of it once the money is on its way back.
                _queue_emails(send_refund_emails, REFUND_AUDIENCES, refund_id, "succeeded")
    if refund.status == RefundStatus.SUCCEEDED and refund.reversal_due and not refund.reversal_id:
        refund = _reverse(refund, shop_order, gateway, f"{base_key}-reversal", metadata)
    if refund.status == RefundStatus.FAILED and refund.restore_due and not refund.restore_id:
        refund = _restore(refund, shop_order, payment, gateway, f"{base_key}-restore", metadata)
    return refund


def _create(
    refund: Refund, payment: Payment, gateway: Any, base_key: str, metadata: dict[str, str]
) -> str:
    """The refund at the provider, with the row's key version; past Stripe's idempotency
    window, looks it up first, then moves to a new key version."""

    def find() -> object:
        try:
            return gateway.refund_find(charge_id=payment.charge_id, metadata=metadata)
        except GatewayError as error:
            _save_error(refund.pk, error)
            raise

    found = key_window_check(refund, find=find)
    if found:
        return found
    try:
        return str(
            gateway.refund_create(
                charge_id=payment.charge_id,
                amount=refund.amount,
                currency=refund.currency,
                metadata=metadata,
                idempotency_key=idempotency_key(base_key, refund.key_version),
            )
        )
    except GatewayError as error:
        _fail(refund.pk, error)
        raise


def _save_error(refund_id: int, error: GatewayError) -> None:
    Refund.objects.filter(pk=refund_id).update(
        last_error=str(error)[:2000], updated_at=timezone.now()
    )


def _fail(refund_id: int, error: GatewayError) -> None:
    """Saves the error; a refusal (not retryable) fails the refund and gives its amount back
    (nothing was booked: the customer, the shop and the association are as before)."""
    with transaction.atomic():
        shop_order_id = Refund.objects.values_list("shop_order_id", flat=True).get(pk=refund_id)
        shop_order = ShopOrder.objects.select_for_update(of=("self",)).get(pk=shop_order_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        refund.last_error = str(error)[:2000]
        fields = ["last_error", "updated_at"]
        if not error.retryable and not refund.refund_id and refund.status == RefundStatus.PENDING:
            refund.status = RefundStatus.FAILED
            refund.reversal_due = False
            fields += ["status", "reversal_due"]
            ShopOrder.objects.filter(pk=shop_order.pk).update(
                refunded_amount=shop_order.refunded_amount - refund.amount,
                updated_at=timezone.now(),
            )
            shop_order_move_refund_failed(shop_order=shop_order)
            _queue_emails(send_refund_failed_emails, REFUND_FAILED_AUDIENCES, refund_id, "refused")
        refund.save(update_fields=fields)


def _queue_emails(
    task: Task[..., object], audiences: tuple[str, ...], refund_id: int, why: str
) -> None:
    """One outbox message per audience: a retry after one email failed sends only that one."""
    for audience in audiences:
        queue_task_on_commit(
            task, cause=Cause("refund", refund_id, why), refund_id=refund_id, audience=audience
        )


def _common(refund: Refund, shop_order: ShopOrder, reference: str) -> dict[str, Any]:
    return {
        "currency": refund.currency,
        "town_id": shop_order.order.town_id,
        "order_id": shop_order.order_id,
        "shop_order_id": shop_order.pk,
        "vendor_id": shop_order.vendor_id,
        "reference": reference,
    }


def _record_refund(refund: Refund, shop_order: ShopOrder) -> None:
    common = _common(refund, shop_order, refund.refund_id)
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


def _record_refund_failed(refund: Refund, shop_order: ShopOrder) -> None:
    common = _common(refund, shop_order, refund.refund_id)
    ledger_record_many(
        entries=[
            {"key": f"{kind.value}:{refund.pk}", "kind": kind, "amount": amount, **common}
            for kind, amount in (
                (LedgerEntryKind.REFUND_FAILED, refund.amount),
                (LedgerEntryKind.REFUND_SHOP_FAILED, refund.shop_share),
                (LedgerEntryKind.COMMISSION_REFUND_FAILED, refund.commission_refunded),
            )
        ]
    )


def _reversal_source(transfer: Transfer, refund_pk: int) -> tuple[str, Decimal]:
    """The provider transfer to reverse from and what is left to reverse on it: the shop order's
    transfer, then the transfers that gave back undone refunds; counting what other refunds
    have reversed or fixed to reverse."""
    refunds = Refund.objects.filter(shop_order_id=transfer.shop_order_id).exclude(pk=refund_pk)
    taken: dict[str, Decimal] = {}
    for source, amount in refunds.filter(Q(reversal_due=True) | ~Q(reversal_id="")).values_list(
        "reversal_source", "reversal_amount"
    ):
        taken[source] = taken.get(source, ZERO) + amount
    restored = refunds.exclude(restore_id="").order_by("pk")
    sources = [("", transfer.amount), *restored.values_list("restore_id", "restore_amount")]
    for source, amount in sources:
        if amount - taken.get(source, ZERO) > 0:
            return source, amount - taken.get(source, ZERO)
    return "", ZERO


def _reverse(
    refund: Refund, shop_order: ShopOrder, gateway: Any, key: str, metadata: dict[str, str]
) -> Refund:
    with transaction.atomic():
        # The amount is fixed under the transfer's lock, counting what other reversals of the
        # same transfer have fixed: two at once never reverse more than was sent.
        transfer = Transfer.objects.select_for_update().get(shop_order_id=shop_order.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.reversal_id or not refund.reversal_due:
            return refund
        if transfer.status != TransferStatus.SENT:
            return refund  # sent later: transfer_send asks for this reversal again
        if refund.reversal_amount <= 0:
            source, available = _reversal_source(transfer, refund.pk)
            amount = min(refund.shop_share, available)
            if amount <= 0:
                refund.reversal_due = False
                refund.save(update_fields=["reversal_due", "updated_at"])
                return refund
            refund.reversal_amount = amount
            refund.reversal_source = source
            refund.save(update_fields=["reversal_amount", "reversal_source", "updated_at"])
        amount = refund.reversal_amount
        transfer_id_at_provider = refund.reversal_source or transfer.transfer_id
    try:
        reversal_id = gateway.transfer_reverse(
            transfer_id=transfer_id_at_provider,
            amount=amount,
            currency=refund.currency,
            metadata=metadata,
            idempotency_key=key,
        )
    except GatewayError as error:
        _save_error(refund.pk, error)
        raise
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(shop_order_id=shop_order.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.reversal_id:
            return refund
        refund.reversal_id = reversal_id
        fields = ["reversal_id", "updated_at"]
        if refund.status == RefundStatus.FAILED and not refund.restore_id:
            # Undone while its reversal was on its way: the shop gets it back too.
            refund.restore_due = True
            fields.append("restore_due")
        refund.save(update_fields=fields)
        if not refund.reversal_source:  # (a give-back transfer is followed on the refund)
            Transfer.objects.filter(pk=transfer.pk).update(
                reversed_amount=transfer.reversed_amount + amount, updated_at=timezone.now()
            )
        ledger_record(
            key=f"reversal:{refund.pk}",
            kind=LedgerEntryKind.REVERSAL,
            amount=amount,
            **_common(refund, shop_order, reversal_id),
        )
    return refund


def _restore(
    refund: Refund,
    shop_order: ShopOrder,
    payment: Payment,
    gateway: Any,
    key: str,
    metadata: dict[str, str],
) -> Refund:
    """Gives the shop back, by a new transfer, what it lost to a refund that was undone: what
    the ledger says the shop order still owes the shop, once its transfer is sent and no other
    refund of it is under way. Fixed before the call, sent once."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(shop_order_id=shop_order.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.restore_id or not refund.restore_due:
            return refund
        if transfer.status not in (TransferStatus.SENT, TransferStatus.SKIPPED):
            return refund  # transfer_send asks for it again once the transfer is sent
        if refund.restore_amount <= 0:
            busy = (
                Refund.objects.filter(shop_order_id=shop_order.pk)
                .exclude(pk=refund.pk)
                .filter(
                    Q(status=RefundStatus.PENDING)
                    | Q(status=RefundStatus.SUCCEEDED, reversal_due=True, reversal_id="")
                    | Q(restore_due=True, restore_id="", restore_amount__gt=0)
                )
                .exists()
            )
            if busy:
                return refund  # the beat tries again once they are done
            owed = -ledger_balances(shop_order_id=shop_order.pk)["shop_payable"]
            if owed <= 0:
                refund.restore_due = False
                refund.save(update_fields=["restore_due", "updated_at"])
                return refund
            refund.restore_amount = owed
            refund.save(update_fields=["restore_amount", "updated_at"])
        destination = transfer_destination(transfer, gateway.name)
        if destination is None:
            return refund  # the shop cannot be paid now: the beat tries again
        amount = refund.restore_amount
    try:
        restore_id = gateway.transfer_create(
            amount=amount,
            currency=refund.currency,
            destination=destination,
            source_transaction=payment.charge_id,
            transfer_group=shop_order.order.number,
            metadata={**metadata, "restore": "1"},
            idempotency_key=key,
        )
    except GatewayError as error:
        _save_error(refund.pk, error)
        raise
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.restore_id:
            return refund
        refund.restore_id = restore_id
        refund.last_error = ""
        refund.save(update_fields=["restore_id", "last_error", "updated_at"])
        ledger_record(
            key=f"transfer:restore:{refund.pk}",
            kind=LedgerEntryKind.TRANSFER,
            amount=amount,
            **_common(refund, shop_order, restore_id),
        )
    return refund


def refund_undo(*, refund_id: int, reason: str) -> bool:
    """A refund the provider accepted failed afterwards: the customer was not repaid.

    The shop order's refunded amount is given back (it can be refunded again), the ledger
    entries are reversed, the shop's part of Stripe's fee set again, and what the shop lost by
    the refund (a reversal, a smaller transfer) is given back by a new transfer (`_restore`).
    The shop and the town's staff are told. False when it had already failed.
    """
    with transaction.atomic():
        shop_order_id = Refund.objects.values_list("shop_order_id", flat=True).get(pk=refund_id)
        shop_order = (
            ShopOrder.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=shop_order_id)
        )
        transfer = Transfer.objects.select_for_update().filter(shop_order_id=shop_order_id).first()
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == RefundStatus.FAILED:
            return False
        booked = refund.status == RefundStatus.SUCCEEDED
        refund.status = RefundStatus.FAILED
        refund.last_error = reason[:2000]
        refund.reversal_due = False
        if booked:
            _record_refund_failed(refund, shop_order)
            refund.restore_due = transfer is not None
        refund.save(
            update_fields=["status", "last_error", "reversal_due", "restore_due", "updated_at"]
        )
        if booked:
            # Once saved as failed, so that the shop's part of the fee no longer counts it.
            payment = Payment.objects.get(order_id=shop_order.order_id)
            shop_order_fee_adjust(shop_order=shop_order, payment=payment)
        ShopOrder.objects.filter(pk=shop_order.pk).update(
            refunded_amount=shop_order.refunded_amount - refund.amount, updated_at=timezone.now()
        )
        shop_order_move_refund_failed(shop_order=shop_order)
        _queue_emails(send_refund_failed_emails, REFUND_FAILED_AUDIENCES, refund.pk, "failed")
        if refund.restore_due:
            cause = Cause("refund", refund.pk, "failed")
            queue_task_on_commit(send_refund, cause=cause, refund_id=refund.pk)
    return True


def refunds_needing_a_person() -> QuerySet[Refund]:
    """The refunds a person must look at: one still retried whose last attempt failed, and one
    that failed for good until the refunds asked after it on its shop order (not failed) cover
    its amount: the customer is then being repaid."""
    asked_after = (
        Refund.objects.filter(
            shop_order_id=OuterRef("shop_order_id"), sequence__gt=OuterRef("sequence")
        )
        .exclude(status=RefundStatus.FAILED)
        .order_by()
        .values("shop_order_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Refund.objects.annotate(
        asked_after=Coalesce(Subquery(asked_after, output_field=DecimalField()), ZERO)
    ).filter(
        Q(status=RefundStatus.PENDING, last_error__gt="")
        | Q(status=RefundStatus.FAILED, asked_after__lt=F("amount"))
    )


def refunds_to_retry() -> list[int]:
    """Refunds not sent yet, reversals still due on a sent transfer, and shops still to be
    given back what an undone refund took."""
    pending = Refund.objects.filter(status=RefundStatus.PENDING)
    reversals = Refund.objects.filter(
        status=RefundStatus.SUCCEEDED,
        reversal_due=True,
        reversal_id="",
        shop_order__transfer__status=TransferStatus.SENT,
    )
    restores = Refund.objects.filter(
        status=RefundStatus.FAILED,
        restore_due=True,
        restore_id="",
        shop_order__transfer__status__in=[TransferStatus.SENT, TransferStatus.SKIPPED],
    )
    ids: set[int] = set()
    for queryset in (pending, reversals, restores):
        ids |= set(queryset.values_list("pk", flat=True)[:500])
    return sorted(ids)


def refund_apply_provider_status(
    *, refund_id_at_provider: str, status: str, metadata: dict[str, Any] | None = None
) -> str:
    """`charge.refunded` / `refund.updated` / `refund.failed`: a refund the provider says failed
    (or was canceled) is undone. Returns "undone", "unchanged", or "unknown_yet" when the
    refund is ours (by its metadata) but its provider id is not saved yet (try again later)."""
    if status not in ("failed", "canceled"):
        return "unchanged"
    refund = None
    if refund_id_at_provider:
        refund = Refund.objects.filter(refund_id=refund_id_at_provider).first()
    if refund is None:
        metadata = metadata or {}
        shop_order_id = str(metadata.get("shop_order_id") or "")
        sequence = str(metadata.get("refund") or "")
        if (
            shop_order_id.isdigit()
            and sequence.isdigit()
            and Refund.objects.filter(
                shop_order_id=int(shop_order_id),
                sequence=int(sequence),
                refund_id="",
                status=RefundStatus.PENDING,
            ).exists()
        ):
            return "unknown_yet"
        return "unchanged"
    if refund.status == RefundStatus.FAILED:
        return "unchanged"
    undone = refund_undo(refund_id=refund.pk, reason=f"provider: refund {status}")
    return "undone" if undone else "unchanged"
