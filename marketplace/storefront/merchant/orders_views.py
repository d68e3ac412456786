"""Orders of the day: the inbox by state, an order, its transitions, the picking list, refunds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from marketplace.orders.lifecycle import (
    shop_order_accept,
    shop_order_cancel,
    shop_order_fulfil,
    shop_order_mark_ready,
    shop_order_refuse,
)
from marketplace.orders.models import OrderLine, ShopOrder, ShopOrderStatus
from marketplace.orders.transitions import (
    shop_order_may_be_cancelled,
    shop_order_transition_allowed,
)
from marketplace.storefront.merchant.access import ShopAccess, is_htmx, shop_view
from marketplace.storefront.merchant.errors import add_service_errors
from marketplace.storefront.merchant.forms import PickingDayForm, ReasonForm, RefundForm
from marketplace.storefront.merchant.views import shop_url
from marketplace.storefront.templatetags.money import money
from payments.models import Refund
from payments.refund_preview import (
    shop_order_may_be_refunded,
    shop_order_refund_preview,
    shop_order_refundable_amount,
)
from payments.refunds import shop_order_refund

S = ShopOrderStatus
# (key, label, states): the inbox's tabs, in the order a day's work goes.
TABS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("new", gettext_lazy("New"), (S.PAID,)),
    ("accepted", gettext_lazy("To prepare"), (S.ACCEPTED,)),
    ("ready", pgettext_lazy("merchant", "Ready"), (S.READY,)),
    ("fulfilled", gettext_lazy("Handed over"), (S.FULFILLED,)),
    ("closed", gettext_lazy("Refused, cancelled, refunded"), (S.REFUSED, S.CANCELLED, S.REFUNDED)),
]
PAGE_SIZE = 50


def _tab_counts(vendor_id: int) -> dict[str, int]:
    """One query: how many shop orders of the shop in each tab."""
    aggregates = {key: Count("pk", filter=Q(status__in=states)) for key, _label, states in TABS}
    return ShopOrder.objects.filter(vendor_id=vendor_id).aggregate(**aggregates)


@shop_view()
def orders(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    """The inbox; with htmx (polled every 15 s), only its fragment: tabs, counts and list."""
    vendor = access.vendor
    key = request.GET.get("etat", "new")
    tab = next((t for t in TABS if t[0] == key), TABS[0])
    counts = _tab_counts(vendor.pk)
    newest_first = tab[0] in {"fulfilled", "closed"}
    rows = (
        ShopOrder.objects.filter(vendor_id=vendor.pk, status__in=tab[2])
        .select_related("order", "order__user")
        .annotate(units=Sum("lines__quantity"))
        .order_by("-created_at" if newest_first else "created_at", "pk")
    )
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts[tab[0]]  # known already: no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "access": access,
        "vendor": vendor,
        "tabs": [(k, label, counts[k]) for k, label, _states in TABS],
        "tab": tab[0],
        "page": page,
        "poll_seconds": getattr(settings, "MERCHANT_INBOX_POLL_SECONDS", 15),
    }
    template = "merchant/_inbox.html" if is_htmx(request) else "merchant/orders.html"
    return render(request, template, context)


def _shop_order(access: ShopAccess, pk: int) -> ShopOrder:
    return get_object_or_404(
        ShopOrder.objects.select_related("order", "order__user"), pk=pk, vendor_id=access.vendor.pk
    )


def _detail(
    request: HttpRequest, access: ShopAccess, shop_order: ShopOrder, **forms: Any
) -> HttpResponse:
    lines = list(OrderLine.objects.filter(shop_order_id=shop_order.pk).order_by("pk"))
    allowed = {
        name: shop_order_transition_allowed(shop_order.status, target)
        for name, target in (
            ("accept", S.ACCEPTED),
            ("refuse", S.REFUSED),
            ("ready", S.READY),
            ("fulfil", S.FULFILLED),
        )
    }
    allowed["cancel"] = shop_order_may_be_cancelled(shop_order.status)
    allowed["refund"] = shop_order_may_be_refunded(shop_order=shop_order)
    context = {
        "access": access,
        "vendor": access.vendor,
        "shop_order": shop_order,
        "order": shop_order.order,
        "lines": lines,
        "refunds": list(Refund.objects.filter(shop_order_id=shop_order.pk).order_by("sequence")),
        "allowed": allowed,
        "refuse_form": forms.get("refuse_form") or ReasonForm(prefix="refuse"),
        "cancel_form": forms.get("cancel_form") or ReasonForm(prefix="cancel"),
    }
    return render(request, "merchant/order.html", context, status=forms.get("status", 200))


@shop_view()
def order_detail(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _detail(request, access, _shop_order(access, pk))


def _transition(
    request: HttpRequest, access: ShopAccess, pk: int, service: Any, done: str
) -> HttpResponse:
    shop_order = _shop_order(access, pk)
    try:
        service(shop_order_id=shop_order.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"number": shop_order.order.number})
    return redirect(shop_url(access.vendor, "merchant:order", pk=shop_order.pk))


@require_POST
@shop_view()
def order_accept(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _transition(request, access, pk, shop_order_accept, _("Order %(number)s accepted."))


@require_POST
@shop_view()
def order_ready(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _transition(
        request,
        access,
        pk,
        shop_order_mark_ready,
        _("Order %(number)s is ready: the customer is told."),
    )


@require_POST
@shop_view()
def order_fulfil(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    def fulfil(*, shop_order_id: int) -> Any:
        return shop_order_fulfil(shop_order_id=shop_order_id, user=request.user)

    return _transition(request, access, pk, fulfil, _("Order %(number)s handed over."))


def _stop(request: HttpRequest, access: ShopAccess, pk: int, *, refuse: bool) -> HttpResponse:
    shop_order = _shop_order(access, pk)
    prefix = "refuse" if refuse else "cancel"
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if refuse:
                shop_order_refuse(shop_order_id=shop_order.pk, reason=reason)
            else:
                shop_order_cancel(shop_order_id=shop_order.pk, reason=reason)
        except ValidationError as error:
            add_service_errors(form, error, {"id": "reason"})
        else:
            done = _("Order %(number)s refused.") if refuse else _("Order %(number)s cancelled.")
            messages.success(request, done % {"number": shop_order.order.number})
            return redirect(shop_url(access.vendor, "merchant:order", pk=shop_order.pk))
    return _detail(request, access, shop_order, status=400, **{f"{prefix}_form": form})


@require_POST
@shop_view()
def order_refuse(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _stop(request, access, pk, refuse=True)


@require_POST
@shop_view()
def order_cancel(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _stop(request, access, pk, refuse=False)


@shop_view()
def order_refund(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    """Step 1: amount and reason; step 2: what the shop bears (the refund service's split),
    confirmed; then the refund. A confirmation for another amount than the one previewed shows
    that amount's preview instead."""
    shop_order = _shop_order(access, pk)
    remaining = shop_order_refundable_amount(shop_order=shop_order)
    form = RefundForm(request.POST or None, initial={"amount": remaining})
    preview = None
    amount_changed = False
    if request.method == "POST" and form.is_valid():
        amount: Decimal = form.cleaned_data["amount"]
        try:
            if form.confirms_the_preview(request.POST):
                refund = shop_order_refund(
                    shop_order_id=shop_order.pk,
                    amount=amount,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    _("Refund of %(amount)s requested (%(reason)s).")
                    % {"amount": money(refund.amount, refund.currency), "reason": refund.reason},
                )
                return redirect(shop_url(access.vendor, "merchant:order", pk=shop_order.pk))
            preview = shop_order_refund_preview(
                shop_order_id=shop_order.pk, amount=amount, reason=form.cleaned_data["reason"]
            )
            amount_changed = "confirm" in request.POST
        except ValidationError as error:
            add_service_errors(form, error, {"id": "amount"})
    context = {
        "access": access,
        "vendor": access.vendor,
        "shop_order": shop_order,
        "order": shop_order.order,
        "remaining": remaining,
        "form": form,
        "preview": preview,
        "amount_changed": amount_changed,
    }
    return render(request, "merchant/refund.html", context, status=400 if form.errors else 200)


@shop_view()
def picking_list(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    """What to take off the shelves for the orders to prepare (new and accepted) received on a
    day in the town's timezone (`?jour=YYYY-MM-DD`, today by default), by product, then order by
    order; printable."""
    vendor = access.vendor
    zone = ZoneInfo(vendor.town.timezone or "Europe/Paris")
    today = timezone.localtime(timezone.now(), zone).date()
    day_form = PickingDayForm(request.GET or None, initial={"jour": today})
    day = (day_form.cleaned_data["jour"] or today) if day_form.is_valid() else today
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    open_orders = list(
        ShopOrder.objects.filter(
            vendor_id=vendor.pk,
            status__in=[S.PAID, S.ACCEPTED],
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("order", "order__user")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    totals: dict[tuple[str, str, str], int] = {}
    for shop_order in open_orders:
        for line in shop_order.lines.all():
            key = (line.product_name, line.variant_name, line.sku)
            totals[key] = totals.get(key, 0) + line.quantity
    context = {
        "access": access,
        "vendor": vendor,
        "orders": open_orders,
        "totals": sorted(totals.items()),
        "day": day,
        "is_today": day == today,
        "day_form": day_form,
    }
    return render(request, "merchant/picking.html", context, status=400 if day_form.errors else 200)
