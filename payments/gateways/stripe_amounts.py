"""Stripe's amounts: integers in the currency's minor unit (cents; whole units for the
zero-decimal currencies). The only module where minor units exist.

The Stripe gateway converts what it sends (`to_minor`) and what it reads (`from_minor`); the
readers below give payments' webhook handlers the amounts of the Stripe objects events carry
(a payment intent, a dispute, a transfer) as `Decimal` in the currency, so no module outside
`payments/gateways/` sees a minor unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marketplace.core.money import money_round

ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
UNIT = Decimal(1)


def to_minor(amount: Decimal, currency: str) -> int:
    """`amount` in minor units, half-up to the nearest one."""
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return int(amount.quantize(UNIT, rounding=ROUND_HALF_UP))
    return int((amount * 100).quantize(UNIT, rounding=ROUND_HALF_UP))


def from_minor(amount: int, currency: str) -> Decimal:
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return money_round(Decimal(amount))
    return money_round(Decimal(amount) / 100)


def intent_amount_received(intent: dict[str, Any], currency: str) -> Decimal:
    """What a PaymentIntent received (its amount when it does not say)."""
    return from_minor(int(intent.get("amount_received") or intent.get("amount") or 0), currency)


def dispute_amount(dispute: dict[str, Any], currency: str) -> Decimal:
    """The amount a dispute is about."""
    return from_minor(int(dispute.get("amount") or 0), currency)


def dispute_moved(dispute: dict[str, Any], currency: str, *, out: bool) -> tuple[Decimal, Decimal]:
    """(amount, fee) of the dispute's balance transactions going out (or coming back); going
    out with no balance transaction listed, the dispute's amount and no fee."""
    transactions = dispute.get("balance_transactions") or []
    amount = fee = 0
    for item in transactions:
        value = int(item.get("amount") or 0)
        if (value < 0) == out and value != 0:
            amount += abs(value)
            fee += max(0, int(item.get("fee") or 0))
    if not transactions and out:
        amount = int(dispute.get("amount") or 0)
    return from_minor(amount, currency), from_minor(fee, currency)


def transfer_amount_reversed(transfer: dict[str, Any], currency: str) -> Decimal:
    """How much of a transfer Stripe says was reversed."""
    return from_minor(int(transfer.get("amount_reversed") or 0), currency)
