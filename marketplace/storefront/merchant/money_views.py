"""Money: the shop's payment account (Stripe Connect onboarding) and its monthly statement."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from marketplace.storefront.merchant.access import ShopAccess, shop_view
from marketplace.storefront.merchant.forms import MonthForm
from marketplace.storefront.merchant.views import shop_url
from payments.models import ConnectedAccount
from payments.onboarding import connected_account_onboard
from payments.statements import (
    ShopStatement,
    StatementLine,
    shop_statement,
    shop_statement_csv,
    shop_statement_lines,
)
from vendors.models import Vendor


def _month(request: HttpRequest, access: ShopAccess) -> tuple[int, int]:
    form = MonthForm(request.GET)
    if form.is_valid() and form.cleaned_data["month"]:
        year, month = form.cleaned_data["month"].split("-")
        return int(year), int(month)
    now = timezone.now().astimezone(ZoneInfo(access.vendor.town.timezone or "Europe/Paris"))
    return now.year, now.month


def _neighbours(year: int, month: int) -> tuple[str, str]:
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{previous[0]}-{previous[1]:02d}", f"{following[0]}-{following[1]:02d}"


def _statement(vendor: Vendor, year: int, month: int) -> tuple[ShopStatement, list[StatementLine]]:
    """The month's statement of the shop and its lines, from the ledger."""
    statement = shop_statement(
        vendor_id=vendor.pk,
        town_id=vendor.town_id,
        year=year,
        month=month,
        currency=vendor.town.currency,
    )
    lines = shop_statement_lines(
        vendor_id=vendor.pk, town_id=vendor.town_id, year=year, month=month
    )
    return statement, lines


@shop_view()
def money(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    vendor = access.vendor
    year, month = _month(request, access)
    statement, lines = _statement(vendor, year, month)
    previous, following = _neighbours(year, month)
    return render(
        request,
        "merchant/money.html",
        {
            "access": access,
            "vendor": vendor,
            "account": ConnectedAccount.objects.filter(vendor_id=vendor.pk).first(),
            "statement": statement,
            "month_start": datetime(year, month, 1),
            "month_key": f"{year}-{month:02d}",
            "previous": previous,
            "following": following,
            "lines": lines,
        },
    )


@shop_view()
def statement_csv(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    vendor = access.vendor
    year, month = _month(request, access)
    statement, lines = _statement(vendor, year, month)
    body = shop_statement_csv(
        statement=statement, lines=lines, tz=ZoneInfo(vendor.town.timezone or "Europe/Paris")
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="releve-{vendor.slug}-{year}-{month:02d}.csv"'
    )
    return response


@require_POST
@shop_view()
def onboard(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    """A fresh onboarding link (the account is created once), and off to the provider."""
    back = settings.PUBLIC_BASE_URL.rstrip("/") + shop_url(access.vendor, "merchant:money")
    try:
        _account, url = connected_account_onboard(
            vendor_id=access.vendor.pk, return_url=back, refresh_url=back
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(shop_url(access.vendor, "merchant:money"))
    return redirect(url)
