"""A customer's account on the web: register, past orders, download my data, delete my account
(the services of marketplace.accounts: account_register, account_data_export, account_delete).
Password reset is Django's own views (urls.py)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from marketplace.accounts.data_rights import account_data_export, account_delete
from marketplace.accounts.models import User
from marketplace.accounts.registration import account_register
from marketplace.orders.models import Order
from marketplace.orders.outcome import order_outcome
from marketplace.storefront.cart import carts_claim
from marketplace.storefront.forms import DeleteAccountForm, RegisterForm, add_service_errors


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("storefront:account")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                language=(get_language() or "fr")[:2],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            carts_claim(request, user)
            messages.success(request, _("Welcome! Your account is created."))
            target = request.POST.get("next", "")
            if target.startswith("/") and not target.startswith("//"):
                return redirect(target)
            return redirect("storefront:account")
    return render(
        request, "storefront/register.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _account(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # behind login_required
    return request.user


@login_required
def account(request: HttpRequest) -> HttpResponse:
    orders = (
        Order.objects.filter(user=_account(request))
        .select_related("town")
        .prefetch_related("shop_orders__vendor")
        .order_by("-created_at")
    )
    # (the shop orders prefetched: each order's outcome takes no query)
    rows = [(order, order_outcome(order=order)) for order in orders]
    return render(request, "storefront/account.html", {"orders": rows})


@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    """Everything the marketplace holds about me, as a JSON download."""
    data = account_data_export(user=_account(request))
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    return response


@login_required
def account_delete_page(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=_account(request), password=form.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            logout(request)
            messages.success(
                request, _("Your account is deleted. Your past orders are kept without your name.")
            )
            return redirect("storefront:home")
    return render(request, "storefront/account_delete.html", {"form": form})
