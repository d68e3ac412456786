"""The shop's profile (description, hours, fulfilment, address, position) and its team."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.accounts.requester import AuthenticatedHttpRequest
from marketplace.storefront.merchant.access import ShopAccess, shop_view
from marketplace.storefront.merchant.errors import add_service_errors
from marketplace.storefront.merchant.forms import SHOP_ERROR_FIELDS, InviteForm, ProfileForm
from marketplace.storefront.merchant.views import shop_url
from vendors.members import (
    vendor_invitation_cancel,
    vendor_invitation_resend,
    vendor_member_invite,
    vendor_member_remove,
    vendor_ownership_transfer,
)
from vendors.models import FulfilmentMethod, VendorInvitation, VendorMember, VendorRole
from vendors.opening_hours import DAYS
from vendors.profile import vendor_update


def _profile_initial(access: ShopAccess) -> dict[str, Any]:
    vendor = access.vendor
    initial: dict[str, Any] = {
        "name": vendor.name,
        "description": vendor.description,
        "email": vendor.email,
        "phone": vendor.phone,
        "street": vendor.street,
        "postal_code": vendor.postal_code,
        "city": vendor.city,
        "country": vendor.country,
        "latitude": vendor.latitude,
        "longitude": vendor.longitude,
    }
    hours = vendor.opening_hours or {}
    for day in DAYS:
        initial[f"hours_{day}"] = hours.get(day) or ""
    for method in FulfilmentMethod.objects.filter(vendor_id=vendor.pk):
        initial[f"offer_{method.method}"] = True
        initial[f"fee_{method.method}"] = method.fee
    return initial


@shop_view()
def profile(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    """Everyone of the shop reads it; its owners change it."""
    form = ProfileForm(request.POST or None, initial=_profile_initial(access))
    if request.method == "POST":
        if not access.is_owner:
            messages.error(request, _("Only the shop's owners can change its profile."))
            return redirect(shop_url(access.vendor, "merchant:profile"))
        if form.is_valid():
            try:
                vendor_update(vendor_id=access.vendor.pk, data=form.service_data())
            except ValidationError as error:
                add_service_errors(
                    form, error, {**SHOP_ERROR_FIELDS, **form.fulfilment_error_fields()}
                )
            else:
                messages.success(request, _("The shop's profile is saved."))
                return redirect(shop_url(access.vendor, "merchant:profile"))
    return render(
        request,
        "merchant/profile.html",
        {"access": access, "vendor": access.vendor, "form": form},
        status=400 if form.errors else 200,
    )


def _team(request: HttpRequest, access: ShopAccess, form: Any, status: int = 200) -> HttpResponse:
    members = (
        VendorMember.objects.filter(vendor_id=access.vendor.pk)
        .select_related("user")
        .order_by("role", "user__email")
    )
    invitations = VendorInvitation.objects.filter(
        vendor_id=access.vendor.pk, accepted_at__isnull=True
    ).order_by("email")
    return render(
        request,
        "merchant/team.html",
        {
            "access": access,
            "vendor": access.vendor,
            "members": members,
            "invitations": invitations,
            "form": form,
            "owner_role": VendorRole.OWNER,
        },
        status=status,
    )


@shop_view()
def team(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    return _team(request, access, InviteForm())


@require_POST
@shop_view(owner_only=True)
def team_invite(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            result = vendor_member_invite(
                vendor_id=access.vendor.pk,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = (
                _("%(email)s is invited: they accept from their email.")
                if getattr(result, "invitation", None) is not None
                else _("%(email)s joined the shop.")
            )
            messages.success(request, done % {"email": form.cleaned_data["email"]})
            return redirect(shop_url(access.vendor, "merchant:team"))
    return _team(request, access, form, status=400)


def _member(access: ShopAccess, pk: int) -> VendorMember:
    return get_object_or_404(VendorMember, pk=pk, vendor_id=access.vendor.pk)


@require_POST
@shop_view()
def team_remove(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    """Owners remove anyone; a staff member may only leave."""
    member = _member(access, pk)
    if not access.is_owner and member.user_id != request.user.pk:
        messages.error(request, _("Only the shop's owners can remove someone else."))
        return redirect(shop_url(access.vendor, "merchant:team"))
    try:
        vendor_member_remove(member_id=member.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(shop_url(access.vendor, "merchant:team"))
    messages.success(
        request, _("%(email)s no longer belongs to the shop.") % {"email": member.user.email}
    )
    if member.user_id == request.user.pk:
        return redirect("merchant:index")
    return redirect(shop_url(access.vendor, "merchant:team"))


@require_POST
@shop_view(owner_only=True)
def team_transfer(request: AuthenticatedHttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    member = _member(access, pk)
    try:
        vendor_ownership_transfer(
            vendor_id=access.vendor.pk, from_user_id=request.user.pk, to_member_id=member.pk
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(email)s now owns the shop.") % {"email": member.user.email})
    return redirect(shop_url(access.vendor, "merchant:team"))


def _invitation_action(
    request: HttpRequest, access: ShopAccess, pk: int, service: Any, done: str
) -> HttpResponse:
    """Withdraw or re-send a pending invitation of the shop, then back to the team."""
    try:
        invitation = service(vendor_id=access.vendor.pk, invitation_id=pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"email": invitation.email})
    return redirect(shop_url(access.vendor, "merchant:team"))


@require_POST
@shop_view(owner_only=True)
def invitation_cancel(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _invitation_action(
        request,
        access,
        pk,
        vendor_invitation_cancel,
        _("The invitation of %(email)s is withdrawn: its link no longer works."),
    )


@require_POST
@shop_view(owner_only=True)
def invitation_resend(request: HttpRequest, access: ShopAccess, pk: int) -> HttpResponse:
    return _invitation_action(
        request,
        access,
        pk,
        vendor_invitation_resend,
        _("The invitation is sent again to %(email)s."),
    )
