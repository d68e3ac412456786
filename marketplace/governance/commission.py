"""Which commission applies to a shop order, and how much it takes.

Precedence: vendor+category > vendor > category > town > global default (settings).

Category scope: the category of a shop order is the **shop's main category** (`Vendor.category`),
not the categories of the goods in the basket. A shop therefore knows in advance which rule applies
to all its orders, and a basket's mix never changes the rate. A category rule also covers the
subcategories of its category: the nearest category in the shop's category path wins.

Amount: `goods × percentage / 100 + fixed amount`, rounded half-up to the cent, then raised to the
rule's minimum and lowered to its maximum, and never more than the goods (nor less than zero).
Commission is on goods only (never on delivery fees).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q

from marketplace.catalog.models import Category
from marketplace.governance.models import CommissionRule
from vendors.models import Vendor

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CommissionQuote:
    rule: CommissionRule | None
    percentage: Decimal
    fixed_amount: Decimal
    amount: Decimal


def category_path(category_id: int | None) -> list[int]:
    """The category and its ancestors, nearest first."""
    path: list[int] = []
    while category_id is not None and category_id not in path and len(path) < 16:
        path.append(category_id)
        category_id = (
            Category.objects.filter(pk=category_id).values_list("parent_id", flat=True).first()
        )
    return path


def commission_rule_for(*, vendor: Vendor, at: datetime) -> CommissionRule | None:
    """The rule that applies to the shop's orders placed at `at`, or None (global default)."""
    path = category_path(vendor.category_id)
    candidates = CommissionRule.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=at),
        Q(vendor__isnull=True) | Q(vendor_id=vendor.pk),
        Q(category__isnull=True) | Q(category_id__in=path),
        town_id=vendor.town_id,
        valid_from__lte=at,
    )

    def rank(rule: CommissionRule) -> tuple[int, int, float, int]:
        level = (0 if rule.category_id else 1) if rule.vendor_id else (2 if rule.category_id else 3)
        distance = path.index(rule.category_id) if rule.category_id else 0
        return (level, distance, -rule.valid_from.timestamp(), -rule.pk)

    return min(candidates, key=rank, default=None)


def commission_amount(
    *,
    goods: Decimal,
    percentage: Decimal,
    fixed_amount: Decimal,
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
) -> Decimal:
    if goods <= ZERO:
        return ZERO
    amount = (goods * percentage / Decimal(100) + fixed_amount).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    if min_amount is not None:
        amount = max(amount, min_amount)
    if max_amount is not None:
        amount = min(amount, max_amount)
    return max(ZERO, min(amount, goods)).quantize(CENT)


def commission_quote(*, vendor: Vendor, goods: Decimal, at: datetime) -> CommissionQuote:
    """The commission for one shop order of `goods` (tax included) placed at `at`."""
    rule = commission_rule_for(vendor=vendor, at=at)
    if rule is None:
        percentage = Decimal(settings.DEFAULT_COMMISSION_PERCENTAGE)
        return CommissionQuote(
            rule=None,
            percentage=percentage,
            fixed_amount=ZERO,
            amount=commission_amount(goods=goods, percentage=percentage, fixed_amount=ZERO),
        )
    return CommissionQuote(
        rule=rule,
        percentage=rule.percentage,
        fixed_amount=rule.fixed_amount,
        amount=commission_amount(
            goods=goods,
            percentage=rule.percentage,
            fixed_amount=rule.fixed_amount,
            min_amount=rule.min_amount,
            max_amount=rule.max_amount,
        ),
    )
