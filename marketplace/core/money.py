"""Money: a `Decimal` to the cent, with its currency beside it. The one home of its rounding.

The policy: every amount the marketplace computes (VAT, commission, a refund's shares, a delivery
fee split between VAT rates) is rounded **half-up to the cent** by `money_round`. One exception,
named: a share whose rounding someone else bears is rounded down by `money_round_down` (a shop's
part of Stripe's fee; the association bears the rest). A split that must add up (a fee between
VAT rates, a commission between refunds) rounds its running total with `money_round` and takes
differences, so its parts sum to the whole.

Stripe's integer minor units are not here: they exist only in `payments/gateways/stripe_amounts.py`.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan
from django.utils.translation import get_language, to_locale

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")


def money_text(amount: Decimal | str | int, currency: str = "EUR") -> str:
    """An amount as people read it, in the active language: `1 234,56 €` in French, `€1,234.56`
    in English. For messages and emails; pages use the `money` filter, which calls this."""
    return _money_text(Decimal(amount), currency or "EUR", to_locale(get_language() or "fr"))


@lru_cache(maxsize=4096)
def _money_text(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's formatting (about 40 µs) once per amount, currency and locale in a process: a
    page of prices shows the same few amounts again and again."""
    # Babel writes French amounts with a narrow no-break space before the symbol, as typography wants.
    return format_currency(amount, currency, locale=locale)


def money_round(amount: Decimal) -> Decimal:
    """`amount` half-up to the cent (2.675 → 2.68, -2.675 → -2.68)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_round_down(amount: Decimal) -> Decimal:
    """`amount` to the cent, the fraction of a cent dropped (toward zero): for a share whose
    rounding another party bears."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def is_whole_cents(amount: Decimal) -> bool:
    """A finite amount with no fraction of a cent (`12.5`, `12.50`; not `12.505`)."""
    return amount.is_finite() and amount == amount.quantize(CENT)


def equal_to_the_cent(amount: Any, expected: Any) -> LessThan:
    """`amount == expected` to the cent, as a CHECK condition.

    On PostgreSQL (numeric) the difference is exactly 0 or at least a cent; SQLite, used by the
    demo, computes in binary floating point, hence "less than half a cent" rather than "equal".
    """
    return LessThan(Abs(amount - expected), Value(HALF_CENT))


def _to_cents(value: Any, _expression: Any, _connection: Any) -> Decimal | None:
    return None if value is None else money_round(Decimal(value))


class MoneySum(Sum):
    """A sum of amounts, to the cent on every database (SQLite adds decimals in floating point)."""

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(
            expression, output_field=DecimalField(max_digits=14, decimal_places=2), **extra
        )

    def get_db_converters(self, connection: Any) -> list[Any]:
        return [*super().get_db_converters(connection), _to_cents]
