"""The merchants' back office: landing, applying for a shop, invitations, switching shops.

Views are thin: parse a form, check who asks, call one service, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from marketplace.accounts.requester import AuthenticatedHttpRequest
from marketplace.storefront.merchant.access import ShopAccess, member_shops, shop_view
from marketplace.storefront.merchant.errors import add_service_errors
from marketplace.storefront.merchant.forms import (
    SHOP_ERROR_FIELDS,
    ApplyForm,
    InvitationAcceptForm,
)
from vendors.application import vendor_apply_with_account
from vendors.members import vendor_invitation_accept
from vendors.profile import vendor_apply

APPLY_ERROR_FIELDS = {
    **SHOP_ERROR_FIELDS,
    "email": "email",
    "town": "town",
    "slug": "slug",
}


def shop_url(vendor: Any, name: str = "merchant:orders", **kwargs: Any) -> str:
    return reverse(name, kwargs={"town": vendor.town.slug, "shop": vendor.slug, **kwargs})


def index(request: HttpRequest) -> HttpResponse:
    """Logged out: what the back office is, log in or apply. One shop: its orders. Several:
    choose one."""
    shops = member_shops(request.user)
    if len(shops) == 1 and "choisir" not in request.GET:
        return redirect(shop_url(shops[0]))
    return render(request, "merchant/index.html", {"shops": shops})


def apply(request: HttpRequest) -> HttpResponse:
    """Apply to open a shop; a visitor without an account creates one on the way."""
    with_account = not request.user.is_authenticated
    form = ApplyForm(request.POST or None, with_account=with_account)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        town_id = form.cleaned_data["town"].pk
        try:
            if not request.user.is_authenticated:
                user, vendor = vendor_apply_with_account(
                    email=form.cleaned_data["account_email"],
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    language=(get_language() or "fr")[:2],
                    town_id=town_id,
                    data=data,
                )
                login(request, user)
            else:
                vendor = vendor_apply(user=request.user, town_id=town_id, data=data)
        except ValidationError as error:
            fields = {**APPLY_ERROR_FIELDS, **form.fulfilment_error_fields()}
            if with_account:
                fields["password"] = "password"
            add_service_errors(form, error, fields)
            if with_account and "email" in getattr(error, "error_dict", {}):
                # account_register's `email` is the login address, not the shop's.
                form.errors.pop("email", None)
                form.add_error("account_email", error.error_dict["email"][0].messages[0])
        else:
            messages.success(
                request,
                _(
                    "Your application is received: the association will review it. Meanwhile you "
                    "can prepare your catalogue."
                ),
            )
            return redirect(shop_url(vendor, "merchant:products"))
    return render(request, "merchant/apply.html", {"form": form})


@login_required
def invitation(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The invited person accepts with the code of their invitation email."""
    form = InvitationAcceptForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            member = vendor_invitation_accept(token=form.cleaned_data["code"], user=request.user)
        except ValidationError as error:
            add_service_errors(form, error, {"token": "code"})
        else:
            messages.success(
                request, _("Welcome to the team of %(shop)s.") % {"shop": member.vendor.name}
            )
            return redirect(shop_url(member.vendor))
    return render(request, "merchant/invitation.html", {"form": form})


@shop_view()
def shop_home(request: HttpRequest, access: ShopAccess) -> HttpResponse:
    return redirect(shop_url(access.vendor))
