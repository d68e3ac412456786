"""Chargebacks (disputes): recorded when opened, booked in the ledger when money moves.

A dispute is on the charge, so on the whole order (no shop order, no shop): the ledger books
`dispute` (customer ← platform cash) when the bank withdraws the funds and `dispute_won` when
they are given back; Stripe's dispute fee is a `stripe_fee`. Amounts are read from the dispute's
balance transactions (its `amount` when it has none) by `payments.gateways.stripe_amounts`. Every
movement has its own key, so replayed or out-of-order events book nothing twice. A dispute fee
Stripe gives back when the dispute is won is not booked (`reconcile_stripe` reports it).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from payments.gateways.stripe_amounts import dispute_amount, dispute_moved
from payments.ledger import ledger_record
from payments.models import Dispute, LedgerEntryKind, Payment

logger = logging.getLogger(__name__)


def _payment(dispute_data: dict[str, Any]) -> Payment | None:
    charge = dispute_data.get("charge") or ""
    if isinstance(charge, dict):
        charge = charge.get("id", "")
    return (
        Payment.objects.select_for_update()
        .select_related("order")
        .filter(charge_id=str(charge))
        .order_by("pk")
        .first()
    )


def _dispute(payment: Payment, dispute_data: dict[str, Any]) -> tuple[Dispute, bool]:
    dispute, created = Dispute.objects.get_or_create(
        dispute_id=str(dispute_data.get("id", "")),
        defaults={
            "payment": payment,
            "amount": dispute_amount(dispute_data, payment.currency),
            "currency": payment.currency,
            "reason": str(dispute_data.get("reason") or "")[:64],
            "status": str(dispute_data.get("status") or "")[:32],
        },
    )
    if created:
        payment.disputed_amount += dispute.amount
        payment.save(update_fields=["disputed_amount", "updated_at"])
        logger.warning("dispute %s opened on order %s", dispute.dispute_id, payment.order_id)
    elif dispute_data.get("status") and dispute.status != dispute_data["status"]:
        dispute.status = str(dispute_data["status"])[:32]
        dispute.save(update_fields=["status"])
    return dispute, created


def dispute_record(*, dispute_data: dict[str, Any]) -> str:
    """`charge.dispute.created` / `.updated` / `.closed`: the dispute and its status, once."""
    with transaction.atomic():
        payment = _payment(dispute_data)
        if payment is None:
            return "unknown charge"
        _dispute_row, created = _dispute(payment, dispute_data)
    return "dispute recorded" if created else "dispute updated"


def dispute_funds_move(*, dispute_data: dict[str, Any], withdrawn: bool) -> str:
    """`charge.dispute.funds_withdrawn` (withdrawn) or `.funds_reinstated`: books the money."""
    with transaction.atomic():
        payment = _payment(dispute_data)
        if payment is None:
            return "unknown charge"
        dispute, _created = _dispute(payment, dispute_data)
        amount, fee = dispute_moved(dispute_data, payment.currency, out=withdrawn)
        kind = LedgerEntryKind.DISPUTE if withdrawn else LedgerEntryKind.DISPUTE_WON
        movements = [(f"{kind.value}:{dispute.dispute_id}", kind, amount)]
        if withdrawn:
            movements.append(
                (f"stripe_fee:dispute:{dispute.dispute_id}", LedgerEntryKind.STRIPE_FEE, fee)
            )
        for key, entry_kind, value in movements:
            ledger_record(  # a zero amount records nothing
                key=key,
                kind=entry_kind,
                amount=value,
                currency=payment.currency,
                town_id=payment.order.town_id,
                order_id=payment.order_id,
                reference=dispute.dispute_id,
            )
    return f"dispute {'funds withdrawn' if withdrawn else 'funds reinstated'}: {amount}"
