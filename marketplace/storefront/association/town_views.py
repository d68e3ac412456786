"""Town settings, the association's staff and roles, and the audit log (with filters)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.accounts.requester import AuthenticatedHttpRequest
from marketplace.governance.audit import audit_entries
from marketplace.governance.models import StripeFeesPayer
from marketplace.governance.town_settings import governance_settings_for, town_settings_update
from marketplace.storefront.association.access import require_admin, town_page
from marketplace.storefront.association.audit_rows import audit_rows
from marketplace.storefront.association.forms import (
    AuditFilterForm,
    StaffGrantForm,
    StaffRevokeForm,
    TownSettingsForm,
    add_service_errors,
)
from marketplace.storefront.association.views import office_context
from marketplace.towns.models import Town, TownStaff
from marketplace.towns.staff import town_staff_grant, town_staff_revoke

AUDIT_PAGE_SIZE = 50


def _settings_page(
    request: HttpRequest, town: Town, form: TownSettingsForm | None = None, status: int = 200
) -> HttpResponse:
    current = governance_settings_for(town.pk)
    form = form or TownSettingsForm(
        initial={
            "refund_commission": current.refund_commission,
            "stripe_fees_payer": current.stripe_fees_payer,
            "contact_email": town.contact_email,
        }
    )
    context = office_context(request, town, "settings") | {
        "form": form,
        "settings": current,
        "payer_label": StripeFeesPayer(current.stripe_fees_payer).label,
    }
    return render(request, "association/settings.html", context, status=status)


@town_page
def town_settings(request: HttpRequest, town: Town) -> HttpResponse:
    if request.method != "POST":
        return _settings_page(request, town)
    require_admin(request, town)
    form = TownSettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, town, form, status=400)
    try:
        town_settings_update(
            town_id=town.pk,
            actor=request.user,
            refund_commission=form.cleaned_data["refund_commission"],
            stripe_fees_payer=form.cleaned_data["stripe_fees_payer"],
            contact_email=form.cleaned_data["contact_email"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _settings_page(request, town, form, status=400)
    messages.success(request, _("The town's settings are saved."))
    return redirect("association:settings", town=town.slug)


def _staff_page(
    request: HttpRequest,
    town: Town,
    *,
    grant_form: StaffGrantForm | None = None,
    revoke_form: StaffRevokeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = (
        TownStaff.objects.filter(town=town).select_related("user").order_by("role", "user__email")
    )
    context = office_context(request, town, "staff") | {
        "staff": staff,
        "grant_form": grant_form or StaffGrantForm(),
        "revoke_form": revoke_form,
    }
    return render(request, "association/staff.html", context, status=status)


@town_page
def staff(request: HttpRequest, town: Town) -> HttpResponse:
    return _staff_page(request, town)


@require_POST
@town_page
def staff_grant(request: AuthenticatedHttpRequest, town: Town) -> HttpResponse:
    require_admin(request, town)
    form = StaffGrantForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, town, grant_form=form, status=400)
    try:
        granted = town_staff_grant(
            town_id=town.pk,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            actor=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _staff_page(request, town, grant_form=form, status=400)
    messages.success(
        request,
        _("%(email)s is now %(role)s.")
        % {"email": granted.user.email, "role": granted.get_role_display()},
    )
    return redirect("association:staff", town=town.slug)


@require_POST
@town_page
def staff_revoke(request: AuthenticatedHttpRequest, town: Town) -> HttpResponse:
    require_admin(request, town)
    form = StaffRevokeForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, town, revoke_form=form, status=400)
    try:
        town_staff_revoke(town_id=town.pk, email=form.cleaned_data["email"], actor=request.user)
    except ValidationError as error:
        add_service_errors(form, error)
        return _staff_page(request, town, revoke_form=form, status=400)
    messages.success(request, _("%(email)s has no role in the town any more.") % form.cleaned_data)
    return redirect("association:staff", town=town.slug)


@town_page
def audit_log(request: HttpRequest, town: Town) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = audit_entries(town_id=town.pk, include_private=True).select_related("actor")
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
        zone = ZoneInfo(town.timezone or "Europe/Paris")
        if data["who"]:
            entries = entries.filter(actor__email__icontains=data["who"].strip())
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["since"]:
            entries = entries.filter(
                created_at__gte=dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone)
            )
        if data["until"]:
            end = data["until"] + dt.timedelta(days=1)
            entries = entries.filter(
                created_at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=zone)
            )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = office_context(request, town, "audit") | {
        "form": form,
        "page": page,
        "rows": audit_rows(entries=page, town=town),
        "query": query.urlencode(),
    }
    return render(request, "association/audit.html", context, status=status)
