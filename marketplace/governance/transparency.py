"""The monthly transparency report of a town, computed from the payments ledger only.

Figures (all sums of ledger entries of the town whose `occurred_at` falls in the month, in the
town's timezone; see `payments.models.LedgerEntryKind`):
- orders: distinct orders with a charge entry;
- gross: Σ charge (goods + delivery fees paid by customers);
- commission: Σ commission − Σ commission_refund (charged and refunded also given apart);
- stripe_fees: Σ stripe_fee;
- transfers: Σ transfer − Σ reversal (reversals also given apart);
- refunds: Σ refund;
- disputes: Σ dispute − Σ dispute_won (chargebacks the customers' banks took back, net).
By category: the same gross and net commission grouped by the shop's main category (the category
that selects commission rules, see `governance.commission`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.core.money import ZERO, MoneySum
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.towns.models import Town
from payments.ledger import ledger_entries, ledger_totals_by_kind
from payments.models import LedgerEntryKind


@dataclass(frozen=True)
class CategoryFigures:
    category: str | None
    gross: Decimal
    commission: Decimal


@dataclass(frozen=True)
class TransparencyReport:
    town_slug: str
    currency: str
    year: int
    month: int
    orders: int
    gross: Decimal
    commission: Decimal
    commission_charged: Decimal
    commission_refunded: Decimal
    stripe_fees: Decimal
    transfers: Decimal
    reversals: Decimal
    refunds: Decimal
    disputes: Decimal
    by_category: list[CategoryFigures]


def _validate_period(year: int, month: int) -> None:
    if not (1 <= month <= 12) or not (2000 <= year <= 2999):
        raise ValidationError(
            {
                "month": ValidationError(
                    _("Give a month between 1 and 12 of a year between 2000 and 2999."),
                    code=GovernanceErrorCode.INVALID_PERIOD.value,
                )
            }
        )


def transparency_report(*, town: Town, year: int, month: int) -> TransparencyReport:
    _validate_period(year, month)
    totals = ledger_totals_by_kind(town_id=town.pk, year=year, month=month)
    entries = ledger_entries(town_id=town.pk, year=year, month=month)
    orders = (
        entries.filter(kind=LedgerEntryKind.CHARGE)
        .exclude(order__isnull=True)
        .values("order_id")
        .distinct()
        .count()
    )
    grouped: dict[str | None, dict[str, Decimal]] = {}
    rows = (
        entries.filter(
            kind__in=[
                LedgerEntryKind.CHARGE,
                LedgerEntryKind.COMMISSION,
                LedgerEntryKind.COMMISSION_REFUND,
                LedgerEntryKind.COMMISSION_REFUND_FAILED,
            ]
        )
        .order_by()
        .values("vendor__category__slug", "kind")
        .annotate(total=MoneySum("amount"))
    )
    for row in rows:
        figures = grouped.setdefault(
            row["vendor__category__slug"], {"gross": ZERO, "commission": ZERO}
        )
        if row["kind"] == LedgerEntryKind.CHARGE:
            figures["gross"] += row["total"]
        elif row["kind"] in (LedgerEntryKind.COMMISSION, LedgerEntryKind.COMMISSION_REFUND_FAILED):
            figures["commission"] += row["total"]
        else:
            figures["commission"] -= row["total"]
    by_category = [
        CategoryFigures(category=slug, gross=values["gross"], commission=values["commission"])
        for slug, values in sorted(
            grouped.items(), key=lambda item: (item[0] is None, item[0] or "")
        )
    ]
    commission_refunded = (
        totals[LedgerEntryKind.COMMISSION_REFUND] - totals[LedgerEntryKind.COMMISSION_REFUND_FAILED]
    )
    return TransparencyReport(
        town_slug=town.slug,
        currency=town.currency,
        year=year,
        month=month,
        orders=orders,
        gross=totals[LedgerEntryKind.CHARGE],
        commission=totals[LedgerEntryKind.COMMISSION] - commission_refunded,
        commission_charged=totals[LedgerEntryKind.COMMISSION],
        commission_refunded=commission_refunded,
        stripe_fees=totals[LedgerEntryKind.STRIPE_FEE],
        transfers=totals[LedgerEntryKind.TRANSFER] - totals[LedgerEntryKind.REVERSAL],
        reversals=totals[LedgerEntryKind.REVERSAL],
        # A refund that failed after it was booked was never paid back.
        refunds=totals[LedgerEntryKind.REFUND] - totals[LedgerEntryKind.REFUND_FAILED],
        disputes=totals[LedgerEntryKind.DISPUTE] - totals[LedgerEntryKind.DISPUTE_WON],
        by_category=by_category,
    )
