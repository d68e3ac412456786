"""The association's back office: the list of the staff's towns and each town's dashboard.

Every page of a town goes through `access.town_page` (staff of that town, else 404). The other
pages are in `vendor_views`, `rule_views`, `town_views`; the public page in `transparency_views`.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from marketplace.storefront.association import charts, queries
from marketplace.storefront.association.access import is_admin, staff_towns, town_page
from marketplace.towns.models import Town


def office_context(request: HttpRequest, town: Town, section: str) -> dict[str, object]:
    return {"town": town, "section": section, "is_admin": is_admin(request.user, town)}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    towns = list(staff_towns(request.user))
    if len(towns) == 1:
        return redirect("association:dashboard", town=towns[0].slug)
    return render(request, "association/index.html", {"towns": towns})


@town_page
def dashboard(request: HttpRequest, town: Town) -> HttpResponse:
    days = queries.orders_per_day(town=town)
    chart = charts.column_chart(
        labels=[f"{day.day:%d/%m}" for day in days],
        series=[[Decimal(day.orders) for day in days]],
        height=220,
        minimum_top=Decimal(4),
    )
    failed_transfers = list(queries.transfers_needing_a_person(town=town)[:50])
    failed_refunds = list(queries.refunds_needing_a_person(town=town)[:50])
    context = office_context(request, town, "dashboard") | {
        "days": days,
        "days_chart": chart,
        "days_total": sum(day.orders for day in days),
        "active_shops": queries.active_shops(town=town),
        "applications": list(queries.waiting_applications(town=town)[:10]),
        "applications_count": queries.waiting_applications(town=town).count(),
        "top_categories": queries.top_categories(town=town),
        "failed_transfers": failed_transfers,
        "failed_refunds": failed_refunds,
        "attention_count": len(failed_transfers) + len(failed_refunds),
        "waiting_shop_orders": list(queries.shop_orders_waiting_too_long(town=town)[:50]),
        "latest_shop_orders": list(queries.latest_shop_orders(town=town)),
    }
    return render(request, "association/dashboard.html", context)
