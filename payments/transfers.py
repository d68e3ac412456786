"""Paying the shops: one transfer per shop order, sent once, retried until it goes through.

The amount is fixed when the transfer is created: ShopOrder.payout less the share of refunds
that succeeded (a refund still pending is not kept: it is reversed once it succeeds), less the
shop's part of Stripe's fee when the town has shops bear it. A refund made after that is taken
back by a reversal once the transfer is sent. The idempotency key is the shop order's, so a
retry after a timeout or a 5xx never pays twice; a retry past Stripe's 24-hour idempotency window
looks the transfer up first, then uses the next key version (`key_version`).

Stripe's fee borne by a shop (`stripe_fees_payer` = "vendor"): its part of the charge's fee, in
proportion, rounded down, but never more than what the shop keeps of the sale (payout − its
share of refunds). So a shop order refunded in full bears no fee (the association does), and a
refund before or after the transfer books the same (`shop_order_fee_adjust`).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from marketplace.core.money import ZERO, MoneySum, money_round_down
from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.governance.town_settings import governance_settings_for
from marketplace.orders.models import ShopOrder, ShopOrderStatus
from payments.charges import payment_record_fee
from payments.gateways import GatewayError, get_gateway
from payments.gateways.stripe_amounts import transfer_amount_reversed
from payments.idempotency_keys import idempotency_key, key_window_check
from payments.ledger import ledger_entries, ledger_record
from payments.models import (
    ConnectedAccount,
    LedgerEntryKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Transfer,
    TransferStatus,
)
from payments.tasks import send_refund, send_transfer

logger = logging.getLogger(__name__)

NO_TRANSFER_STATES = frozenset({ShopOrderStatus.CANCELLED, ShopOrderStatus.REFUSED})


def transfer_key(transfer: Transfer) -> str:
    return idempotency_key(f"shop-order-{transfer.shop_order_id}-transfer", transfer.key_version)


def stripe_fees_payer(*, town_id: int) -> str:
    """ "association" (default) or "vendor": the town's governance setting."""
    return governance_settings_for(town_id).stripe_fees_payer


def _fee_share(payment: Payment, shop_order: ShopOrder) -> Decimal:
    """The shop order's part of Stripe's fee on the charge, in proportion to its total, rounded
    down (the association bears the rounding)."""
    if not payment.fee or not payment.amount:
        return ZERO
    share = payment.fee * (shop_order.subtotal + shop_order.delivery_fee) / payment.amount
    return money_round_down(share)


def _fee_target(payment: Payment, shop_order: ShopOrder, borne: Decimal) -> Decimal:
    """The shop's part of the fee: never more than what it keeps of the sale."""
    return min(_fee_share(payment, shop_order), max(shop_order.payout - borne, ZERO))


def _borne_by_shop(shop_order_id: int) -> Decimal:
    """The shop's share of the refunds that succeeded."""
    return (
        Refund.objects.filter(shop_order_id=shop_order_id, status=RefundStatus.SUCCEEDED).aggregate(
            total=MoneySum("shop_share")
        )["total"]
        or ZERO
    )


def shop_order_fee_adjust(*, shop_order: ShopOrder, payment: Payment) -> Decimal:
    """After a refund succeeded or was undone: sets the shop's part of Stripe's fee booked on a
    shop order already transferred to what it must be now (`fee_recharge` / `fee_recharge_back`).
    The caller holds the shop order locked. Returns the change (0 when nothing moved)."""
    if not Transfer.objects.filter(shop_order_id=shop_order.pk).exists():
        return ZERO  # booked when the transfer is created
    if stripe_fees_payer(town_id=shop_order.order.town_id) != "vendor" or payment.fee is None:
        return ZERO
    entries = ledger_entries(shop_order_id=shop_order.pk).filter(
        kind__in=[LedgerEntryKind.FEE_RECHARGE, LedgerEntryKind.FEE_RECHARGE_BACK]
    )
    booked = ZERO
    for kind, amount in entries.values_list("kind", "amount"):
        booked += amount if kind == LedgerEntryKind.FEE_RECHARGE else -amount
    change = _fee_target(payment, shop_order, _borne_by_shop(shop_order.pk)) - booked
    if change == 0:
        return ZERO
    kind = LedgerEntryKind.FEE_RECHARGE if change > 0 else LedgerEntryKind.FEE_RECHARGE_BACK
    ledger_record(
        key=f"{kind.value}:{shop_order.pk}:{entries.count() + 1}",
        kind=kind,
        amount=abs(change),
        currency=shop_order.currency,
        town_id=shop_order.order.town_id,
        order_id=shop_order.order_id,
        shop_order_id=shop_order.pk,
        vendor_id=shop_order.vendor_id,
        reference=payment.charge_id,
    )
    return change


def transfer_schedule(*, shop_order_id: int) -> Transfer | None:
    """Creates the shop order's transfer (once) and sends it on commit. None when unpaid.

    When the town has shops bear Stripe's fees, the shop's part of the fee is recorded
    (fee_recharge) and kept from the transfer; the fee is fetched first if not known yet, and
    the transfer waits for it (GatewayError, retried) rather than going out without it.
    """
    shop_order = ShopOrder.objects.select_related("order").get(pk=shop_order_id)
    payment = Payment.objects.filter(order_id=shop_order.order_id).first()
    if payment is None or payment.status != PaymentStatus.SUCCEEDED:
        return None
    vendor_pays_fees = stripe_fees_payer(town_id=shop_order.order.town_id) == "vendor"
    if vendor_pays_fees and payment.fee is None:
        payment_record_fee(payment_id=payment.pk)
        payment.refresh_from_db(fields=["fee"])
        if payment.fee is None:
            raise GatewayError("Stripe's fee on the charge is not known yet.", retryable=True)
    with transaction.atomic():
        shop_order = ShopOrder.objects.select_for_update().get(pk=shop_order_id)
        existing = Transfer.objects.filter(shop_order_id=shop_order_id).first()
        if existing is not None:
            return existing
        if shop_order.status in NO_TRANSFER_STATES:
            return None
        # Only refunds that succeeded are kept from the transfer: one still pending (Stripe
        # down) may yet be refused; it is reversed from the transfer once it succeeds.
        borne = _borne_by_shop(shop_order_id)
        fee_share = _fee_target(payment, shop_order, borne) if vendor_pays_fees else ZERO
        amount = max(shop_order.payout - borne - fee_share, ZERO)
        transfer = Transfer.objects.create(
            shop_order=shop_order,
            vendor_id=shop_order.vendor_id,
            amount=amount,
            currency=shop_order.currency,
            status=TransferStatus.PENDING if amount > 0 else TransferStatus.SKIPPED,
        )
        ledger_record(
            key=f"fee_recharge:{shop_order.pk}",
            kind=LedgerEntryKind.FEE_RECHARGE,
            amount=fee_share,
            currency=shop_order.currency,
            town_id=payment.order.town_id,
            order_id=shop_order.order_id,
            shop_order_id=shop_order.pk,
            vendor_id=shop_order.vendor_id,
            reference=payment.charge_id,
        )
        if amount > 0:
            Refund.objects.filter(
                shop_order_id=shop_order_id, status=RefundStatus.PENDING, shop_share__gt=0
            ).update(reversal_due=True, updated_at=timezone.now())
            queue_task_on_commit(
                send_transfer,
                cause=Cause("shop_order", shop_order.pk, "transfer_created"),
                transfer_id=transfer.pk,
            )
    return transfer


def transfer_destination(transfer: Transfer, gateway_name: str) -> str | None:
    """The shop's connected account when it can be paid (None: wait)."""
    account = ConnectedAccount.objects.filter(vendor_id=transfer.vendor_id).first()
    if account is not None and account.can_receive_transfers:
        return account.account_id
    if gateway_name == "dummy":
        return account.account_id if account and account.account_id else "acct_dummy"
    return None


def transfer_send(*, transfer_id: int) -> Transfer:
    """Sends a pending transfer. Waits (status `waiting`) while the shop cannot be paid.

    Raises GatewayError when the provider fails (the state is saved first; retry as is).
    """
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
        if transfer.status in (TransferStatus.SENT, TransferStatus.SKIPPED):
            return transfer
        payment = Payment.objects.get(order__shop_orders__pk=transfer.shop_order_id)
        gateway = get_gateway(payment.gateway)
        destination = transfer_destination(transfer, gateway.name)
        if destination is None:
            if transfer.status != TransferStatus.WAITING:
                transfer.status = TransferStatus.WAITING
                transfer.save(update_fields=["status", "updated_at"])
            return transfer
        transfer.attempts += 1
        transfer.status = TransferStatus.PENDING
        transfer.save(update_fields=["attempts", "status", "updated_at"])
        order_number = payment.order.number
    metadata = {"shop_order_id": str(transfer.shop_order_id), "order_number": order_number}
    try:
        found = key_window_check(
            transfer,
            find=lambda: gateway.transfer_find(transfer_group=order_number, metadata=metadata),
        )
        transfer_id_at_provider = found or gateway.transfer_create(
            amount=transfer.amount,
            currency=transfer.currency,
            destination=destination,
            source_transaction=payment.charge_id,
            transfer_group=order_number,
            metadata=metadata,
            idempotency_key=transfer_key(transfer),
        )
    except GatewayError as error:
        Transfer.objects.filter(pk=transfer.pk).update(
            last_error=str(error)[:2000], updated_at=timezone.now()
        )
        raise
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
        if transfer.status == TransferStatus.SENT:
            return transfer
        transfer.status = TransferStatus.SENT
        transfer.transfer_id = transfer_id_at_provider
        transfer.sent_at = timezone.now()
        transfer.last_error = ""
        transfer.save(
            update_fields=["status", "transfer_id", "sent_at", "last_error", "updated_at"]
        )
        shop_order = ShopOrder.objects.select_related("order").get(pk=transfer.shop_order_id)
        ledger_record(
            key=f"transfer:{transfer.pk}",
            kind=LedgerEntryKind.TRANSFER,
            amount=transfer.amount,
            currency=transfer.currency,
            town_id=shop_order.order.town_id,
            order_id=shop_order.order_id,
            shop_order_id=shop_order.pk,
            vendor_id=transfer.vendor_id,
            reference=transfer_id_at_provider,
            occurred_at=transfer.sent_at,
        )
        # Reversals of refunds made meanwhile, and shops to be given back an undone refund.
        due = list(
            Refund.objects.filter(shop_order_id=transfer.shop_order_id)
            .filter(Q(reversal_due=True, reversal_id="") | Q(restore_due=True, restore_id=""))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        cause = Cause("transfer", transfer.pk, "sent_with_reversals_due")
        for refund_id in due:
            queue_task_on_commit(send_refund, cause=cause, refund_id=refund_id)
    return transfer


def transfer_apply_reversed_event(*, transfer_data: dict[str, object]) -> bool:
    """`transfer.reversed`: the provider's amount_reversed only ever grows our record."""
    with transaction.atomic():
        transfer = (
            Transfer.objects.select_for_update()
            .filter(transfer_id=str(transfer_data.get("id", "")))
            .first()
        )
        if transfer is None:
            return False
        reversed_amount = transfer_amount_reversed(transfer_data, transfer.currency)
        if reversed_amount <= transfer.reversed_amount:
            return False
        logger.warning(
            "transfer %s reversed at the provider beyond our records (%s > %s)",
            transfer.pk,
            reversed_amount,
            transfer.reversed_amount,
        )
        transfer.last_error = f"provider reports {reversed_amount} reversed"
        transfer.save(update_fields=["last_error", "updated_at"])
    return True


def transfers_to_retry() -> list[int]:
    """Transfers still to send (pending or waiting), oldest first."""
    return list(
        Transfer.objects.filter(status__in=[TransferStatus.PENDING, TransferStatus.WAITING])
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
