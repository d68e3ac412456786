"""The public transparency page (no account): where each euro of a town's month went.

Every figure comes from `governance.transparency.transparency_report` (computed from the payments
ledger only); the charts are SVG drawn on the server, each with its figures as a table.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Category
from marketplace.core.collation import FrenchOrder
from marketplace.governance.transparency import TransparencyReport, transparency_report
from marketplace.storefront.association import charts
from marketplace.storefront.association.rule_views import rule_versions
from marketplace.towns.models import Town

TREND_MONTHS = 12
CHOOSER_MONTHS = 24
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def value(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def shifted(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(year=index // 12, month=index % 12 + 1)


def transparency_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "association/transparency_index.html",
        {"towns": Town.objects.order_by(FrenchOrder("name"))},
    )


def _this_month(town: Town) -> Month:
    today = timezone.now().astimezone(ZoneInfo(town.timezone or "Europe/Paris")).date()
    return Month(year=today.year, month=today.month)


def _chosen_month(raw: str | None, latest: Month) -> tuple[Month, str]:
    """The month asked for (`?mois=2026-03`), or this month with an error message."""
    if not raw:
        return latest, ""
    match = MONTH_PATTERN.match(raw)
    if match:
        month = Month(year=int(match[1]), month=int(match[2]))
        if 1 <= month.month <= 12 and month.year >= 2000 and month.value <= latest.value:
            return month, ""
    return latest, _("Choose a month from the list (this month or an earlier one).")


def _category_names(report: TransparencyReport) -> dict[str | None, str]:
    slugs = [row.category for row in report.by_category if row.category]
    names: dict[str | None, str] = dict(
        Category.objects.filter(slug__in=slugs).values_list("slug", "name")
    )
    names[None] = _("Without a category")
    return names


def transparency_town(request: HttpRequest, town: str) -> HttpResponse:
    current = get_object_or_404(Town, slug=town)
    latest = _this_month(current)
    month, error = _chosen_month(request.GET.get("mois"), latest)
    report = transparency_report(town=current, year=month.year, month=month.month)
    trend_months = [month.shifted(-i) for i in reversed(range(TREND_MONTHS))]
    trend = [
        (m, report if m == month else transparency_report(town=current, year=m.year, month=m.month))
        for m in trend_months
    ]
    names = _category_names(report)
    categories = [(names.get(row.category, row.category or ""), row) for row in report.by_category]
    # Short labels: the chart's left column is narrow; the table above has the full ones.
    flows = [
        (_("To the shops"), report.transfers),
        (_("Commission"), report.commission),
        (_("Stripe fees"), report.stripe_fees),
        (_("Refunds"), report.refunds),
        (_("Chargebacks"), report.disputes),
    ]
    versions = rule_versions(current)
    context = {
        "town": current,
        "month": month,
        "month_error": error,
        "months": [latest.shifted(-i) for i in range(CHOOSER_MONTHS)],
        "previous_month": month.shifted(-1),
        "next_month": month.shifted(1) if month.value < latest.value else None,
        "report": report,
        "flows": flows,
        "flows_chart": charts.bar_chart(rows=[(label, value) for label, value in flows]),
        "trend": trend,
        "trend_chart": charts.column_chart(
            labels=[f"{m.month:02d}/{m.year % 100:02d}" for m in trend_months],
            series=[[r.gross for _m, r in trend], [r.commission for _m, r in trend]],
        ),
        "categories": categories,
        "categories_chart": charts.bar_chart(rows=[(name, row.gross) for name, row in categories]),
        "rules_in_force": [v for v in versions if v.status in ("active", "scheduled")],
        "versions": versions,
        "default_percentage": Decimal(str(settings.DEFAULT_COMMISSION_PERCENTAGE)),
    }
    return render(
        request,
        "association/transparency_town.html",
        context,
        status=400 if error else 200,
    )
