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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet

from marketplace.catalog.tree import category_paths
from marketplace.core.compiled import Slot, Slots, compiled_query
from marketplace.core.money import ZERO, money_round
from marketplace.governance.models import CommissionRule
from vendors.models import Vendor


@dataclass(frozen=True)
class CommissionQuote:
    rule: CommissionRule | None
    percentage: Decimal
    fixed_amount: Decimal
    amount: Decimal


def _rules_query(vendors: int, categories: int, towns: int) -> QuerySet[CommissionRule]:
    """The rules that may apply at `at` to shops v0… of categories c0… in towns t0… (slots)."""
    field = CommissionRule._meta.get_field
    category = Q(category__isnull=True)
    if categories:
        category |= Q(category_id__in=Slots("c", categories, field("category")))
    at = Slot("at", field("valid_from"))
    return CommissionRule.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=at),
        Q(vendor__isnull=True) | Q(vendor_id__in=Slots("v", vendors, field("vendor"))),
        category,
        town_id__in=Slots("t", towns, field("town")),
        valid_from__lte=at,
    )


def commission_rules_for(
    *, vendors: Sequence[Vendor], at: datetime
) -> dict[int, CommissionRule | None]:
    """The rule that applies to each shop's orders placed at `at` (None: the global default),
    by vendor id. Two queries whatever the number of shops: the category tree and the rules."""
    nearest_first: dict[int, list[int]] = {}
    if any(vendor.category_id for vendor in vendors):
        tree = category_paths()
        nearest_first = {pk: [c.pk for c in reversed(path)] for pk, path in tree.items()}
    paths = {vendor.pk: nearest_first.get(vendor.category_id or 0, []) for vendor in vendors}
    vendor_ids = sorted({vendor.pk for vendor in vendors})
    category_ids = sorted({pk for path in paths.values() for pk in path})
    town_ids = sorted({vendor.town_id for vendor in vendors})
    shape = (len(vendor_ids), len(category_ids), len(town_ids))
    values = {
        "at": at,
        **{f"v{i}": pk for i, pk in enumerate(vendor_ids)},
        **{f"c{i}": pk for i, pk in enumerate(category_ids)},
        **{f"t{i}": pk for i, pk in enumerate(town_ids)},
    }
    # Compiled once per process and shape (marketplace.core.compiled): checkoutComplete's.
    candidates = compiled_query(("commission_rules_for", *shape), lambda: _rules_query(*shape)).run(
        **values
    )

    def rule_for(vendor: Vendor) -> CommissionRule | None:
        path = paths[vendor.pk]

        def rank(rule: CommissionRule) -> tuple[int, int, float, int]:
            level = (
                (0 if rule.category_id else 1) if rule.vendor_id else (2 if rule.category_id else 3)
            )
            distance = path.index(rule.category_id) if rule.category_id else 0
            return (level, distance, -rule.valid_from.timestamp(), -rule.pk)

        applicable = (
            rule
            for rule in candidates
            if rule.town_id == vendor.town_id
            and rule.vendor_id in (None, vendor.pk)
            and (rule.category_id is None or rule.category_id in path)
        )
        return min(applicable, key=rank, default=None)

    return {vendor.pk: rule_for(vendor) for vendor in vendors}


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
    amount = money_round(goods * percentage / Decimal(100) + fixed_amount)
    if min_amount is not None:
        amount = max(amount, min_amount)
    if max_amount is not None:
        amount = min(amount, max_amount)
    return money_round(max(ZERO, min(amount, goods)))


def commission_quotes(
    *, orders: Sequence[tuple[Vendor, Decimal]], at: datetime
) -> list[CommissionQuote]:
    """The commission of each (shop, goods tax included) shop order placed at `at`, in order."""
    rules = commission_rules_for(vendors=[vendor for vendor, _goods in orders], at=at)
    return [_quote(rules[vendor.pk], goods) for vendor, goods in orders]


def commission_quote(*, vendor: Vendor, goods: Decimal, at: datetime) -> CommissionQuote:
    """The commission for one shop order of `goods` (tax included) placed at `at`."""
    return commission_quotes(orders=[(vendor, goods)], at=at)[0]


def _quote(rule: CommissionRule | None, goods: Decimal) -> CommissionQuote:
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
