"""Shop applications and decisions: approve, refuse (with a reason), suspend (with a reason, after a
step saying how many paid orders the shop has still to serve), reinstate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from marketplace.governance.approval import (
    vendor_approve,
    vendor_refuse,
    vendor_reinstate,
    vendor_suspend,
    vendor_suspend_preview,
)
from marketplace.governance.audit import audit_entries
from marketplace.storefront.association.access import town_page
from marketplace.storefront.association.forms import ReasonForm, add_service_errors
from marketplace.storefront.association.views import office_context
from marketplace.towns.models import Town
from vendors.models import Vendor, VendorStatus

STATUS_TABS = [VendorStatus.PENDING, VendorStatus.APPROVED, VendorStatus.SUSPENDED]


def _town_vendor(town: Town, vendor_id: int) -> Vendor:
    return get_object_or_404(
        Vendor.objects.select_related("category", "town"), town=town, pk=vendor_id
    )


@town_page
def vendor_list(request: HttpRequest, town: Town) -> HttpResponse:
    status = request.GET.get("statut") or VendorStatus.PENDING
    if status not in VendorStatus.values:
        raise Http404
    vendors = (
        Vendor.objects.filter(town=town, status=status)
        .select_related("category")
        .order_by("created_at" if status == VendorStatus.PENDING else "name")
    )
    tabs = [(value, VendorStatus(value).label) for value in STATUS_TABS]
    context = office_context(request, town, "vendors") | {
        "vendors": vendors,
        "status": status,
        "tabs": tabs,
    }
    return render(request, "association/vendor_list.html", context)


def _detail(
    request: HttpRequest,
    town: Town,
    vendor: Vendor,
    forms: dict[str, ReasonForm],
    status: int = 200,
) -> HttpResponse:
    history = audit_entries(town_id=town.pk, include_private=True).filter(
        object_type="vendor", object_id=vendor.pk
    )
    context = office_context(request, town, "vendors") | {
        "vendor": vendor,
        "methods": vendor.fulfilment_methods.order_by("method"),
        "members": vendor.members.select_related("user").order_by("role", "user__email"),
        "history": history.select_related("actor"),
        "refuse_form": forms.get("refuse", ReasonForm(prefix="refuse")),
        "suspend_form": forms.get("suspend", ReasonForm(prefix="suspend")),
        "failed_forms": list(forms.values()),
    }
    return render(request, "association/vendor_detail.html", context, status=status)


@town_page
def vendor_detail(request: HttpRequest, town: Town, vendor_id: int) -> HttpResponse:
    return _detail(request, town, _town_vendor(town, vendor_id), {})


_DONE = {
    "approve": _("%(shop)s is approved: it can sell now."),
    "refuse": _("The application of %(shop)s is refused."),
    "suspend": _("%(shop)s is suspended."),
    "reinstate": _("%(shop)s is reinstated."),
}


def _suspend_confirmation(
    request: HttpRequest, town: Town, vendor: Vendor, form: ReasonForm
) -> HttpResponse:
    """A suspension's step before it is done: how many paid orders the shop has still to serve."""
    try:
        open_orders = vendor_suspend_preview(
            vendor_id=vendor.pk, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _detail(request, town, vendor, {"suspend": form}, status=400)
    context = office_context(request, town, "vendors") | {
        "vendor": vendor,
        "form": form,
        "open_orders": open_orders,
    }
    return render(request, "association/vendor_suspend.html", context)


@require_POST
@town_page
def vendor_decide(request: HttpRequest, town: Town, vendor_id: int, action: str) -> HttpResponse:
    """One decision on a shop of the town, through its governance service."""
    vendor = _town_vendor(town, vendor_id)
    form: ReasonForm | None = None
    call: Callable[[], Any]
    if action in ("refuse", "suspend"):
        form = ReasonForm(request.POST, prefix=action)
        if not form.is_valid():
            return _detail(request, town, vendor, {action: form}, status=400)
        reason = form.cleaned_data["reason"]
        if action == "suspend" and "confirm" not in request.POST:
            return _suspend_confirmation(request, town, vendor, form)
        service = vendor_refuse if action == "refuse" else vendor_suspend
        call = lambda: service(vendor_id=vendor.pk, reason=reason, actor=request.user)  # noqa: E731
    elif action == "approve":
        call = lambda: vendor_approve(vendor_id=vendor.pk, actor=request.user)  # noqa: E731
    elif action == "reinstate":
        call = lambda: vendor_reinstate(vendor_id=vendor.pk, actor=request.user)  # noqa: E731
    else:
        raise Http404
    try:
        call()
    except ValidationError as error:
        if form is None:
            form = ReasonForm(prefix=action, data={})
            form.is_valid()
        add_service_errors(form, error)
        return _detail(request, town, vendor, {action: form}, status=400)
    messages.success(request, str(_DONE[action]) % {"shop": vendor.name})
    return redirect("association:vendor", town=town.slug, vendor_id=vendor.pk)
