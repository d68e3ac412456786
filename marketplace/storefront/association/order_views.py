"""A town's orders, for its staff: find one (by its number or the customer's email), see it whole
(each shop's part, the payment, the refunds and what failed), and do what the API lets staff do:
cancel a shop's part or the whole unpaid order, refund a shop's part. The services decide
(`shop_order_cancel_by_staff`, `order_cancel_before_payment`, `shop_order_refund`), each
refund and cancellation of a shop's part after a step that says what the customer gets back."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.orders.models import Order, OrderStatus, ShopOrder
from marketplace.orders.transitions import shop_order_may_be_cancelled
from marketplace.storefront.association import queries
from marketplace.storefront.association.access import town_page
from marketplace.storefront.association.forms import (
    OrderRefundForm,
    OrderSearchForm,
    ShopOrderCancelForm,
    add_service_errors,
)
from marketplace.storefront.association.views import office_context
from marketplace.storefront.templatetags.money import money
from marketplace.towns.models import Town
from payments.charges import order_cancel_before_payment
from payments.models import Payment, Refund
from payments.refund_preview import (
    shop_order_may_be_refunded,
    shop_order_refund_preview,
    shop_order_refundable_amount,
)
from payments.refunds import shop_order_refund
from payments.staff_cancel import shop_order_cancel_by_staff, shop_order_cancel_by_staff_preview

LIST_SIZE = 50


@town_page
def orders(request: HttpRequest, town: Town) -> HttpResponse:
    form = OrderSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    found = list(queries.town_orders(town=town, search=search)[: LIST_SIZE + 1])
    context = office_context(request, town, "orders") | {
        "form": form,
        "search": search,
        "orders": found[:LIST_SIZE],
        "more": len(found) > LIST_SIZE,
    }
    return render(request, "association/orders.html", context)


def _town_order(town: Town, number: str) -> Order:
    shop_orders = (
        ShopOrder.objects.select_related("vendor", "commission_rule")
        .prefetch_related(
            "lines",
            Prefetch(
                "refunds", queryset=Refund.objects.select_related("requested_by").order_by("pk")
            ),
        )
        .order_by("pk")
    )
    return get_object_or_404(
        Order.objects.select_related("user").prefetch_related(
            Prefetch("shop_orders", queryset=shop_orders)
        ),
        town=town,
        number=number,
    )


def _detail(
    request: HttpRequest,
    town: Town,
    order: Order,
    *,
    failed: dict[int, dict[str, Any]] | None = None,
) -> HttpResponse:
    """The order's page; `failed`: the forms of a shop order whose action was refused."""
    failed = failed or {}
    parts = []
    for shop_order in order.shop_orders.all():
        forms = failed.get(shop_order.pk, {})
        parts.append(
            {
                "shop_order": shop_order,
                "may_refund": shop_order_may_be_refunded(shop_order=shop_order),
                "may_cancel": shop_order_may_be_cancelled(shop_order.status),
                "refund_form": forms.get("refund")
                or OrderRefundForm(
                    prefix=f"refund-{shop_order.pk}",
                    initial={"amount": shop_order_refundable_amount(shop_order=shop_order)},
                ),
                "cancel_form": forms.get("cancel")
                or ShopOrderCancelForm(prefix=f"cancel-{shop_order.pk}"),
            }
        )
    context = office_context(request, town, "orders") | {
        "order": order,
        "payment": Payment.objects.filter(order=order).first(),
        "parts": parts,
        "may_cancel_order": order.status == OrderStatus.UNPAID,
    }
    return render(request, "association/order.html", context, status=400 if failed else 200)


@town_page
def order_detail(request: HttpRequest, town: Town, number: str) -> HttpResponse:
    return _detail(request, town, _town_order(town, number))


def _town_shop_order(town: Town, number: str, shop_order_id: int) -> tuple[Order, ShopOrder]:
    """The town's order of `number` and its shop order of `shop_order_id` (else a 404)."""
    order = _town_order(town, number)
    for shop_order in order.shop_orders.all():
        if shop_order.pk == shop_order_id:
            return order, shop_order
    raise Http404


@require_POST
@town_page
def shop_order_refund_view(
    request: HttpRequest, town: Town, number: str, shop_order_id: int
) -> HttpResponse:
    """Step 1 (the order's page): amount and reason; step 2: what the customer gets back and who
    bears it (the refund service's split), confirmed; then the refund. A confirmation for another
    amount than the one previewed shows that amount's preview instead."""
    order, shop_order = _town_shop_order(town, number, shop_order_id)
    form = OrderRefundForm(request.POST, prefix=f"refund-{shop_order.pk}")
    if form.is_valid():
        try:
            if form.confirms_the_preview(request.POST):
                refund = shop_order_refund(
                    shop_order_id=shop_order.pk,
                    amount=form.cleaned_data["amount"],
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    by_staff=True,
                )
                messages.success(
                    request,
                    _("Refund of %(amount)s to the customer requested (%(shop)s).")
                    % {
                        "amount": money(refund.amount, refund.currency),
                        "shop": shop_order.vendor.name,
                    },
                )
                return redirect("association:order", town=town.slug, number=order.number)
            preview = shop_order_refund_preview(
                shop_order_id=shop_order.pk,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"id": "amount"})
        else:
            context = office_context(request, town, "orders") | {
                "order": order,
                "shop_order": shop_order,
                "form": form,
                "preview": preview,
                "amount_changed": "confirm" in request.POST,
            }
            return render(request, "association/shop_order_refund.html", context)
    return _detail(request, town, order, failed={shop_order.pk: {"refund": form}})


@require_POST
@town_page
def shop_order_cancel_view(
    request: HttpRequest, town: Town, number: str, shop_order_id: int
) -> HttpResponse:
    """Step 1 (the order's page): the reason; step 2: what the customer gets back, confirmed;
    then the cancellation (and its refund, asked by the staff member, for the reason)."""
    order, shop_order = _town_shop_order(town, number, shop_order_id)
    form = ShopOrderCancelForm(request.POST, prefix=f"cancel-{shop_order.pk}")
    if form.is_valid():
        try:
            if "confirm" in request.POST:
                shop_order_cancel_by_staff(
                    shop_order_id=shop_order.pk,
                    reason=form.cleaned_data["reason"],
                    staff=request.user,
                )
                messages.success(
                    request,
                    _(
                        "The part of %(shop)s is cancelled: its stock is back, and it is refunded if it was paid."
                    )
                    % {"shop": shop_order.vendor.name},
                )
                return redirect("association:order", town=town.slug, number=order.number)
            refund_amount = shop_order_cancel_by_staff_preview(
                shop_order_id=shop_order.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            context = office_context(request, town, "orders") | {
                "order": order,
                "shop_order": shop_order,
                "form": form,
                "refund_amount": refund_amount,
            }
            return render(request, "association/shop_order_cancel.html", context)
    return _detail(request, town, order, failed={shop_order.pk: {"cancel": form}})


@require_POST
@town_page
def order_cancel_view(request: HttpRequest, town: Town, number: str) -> HttpResponse:
    order = _town_order(town, number)
    try:
        order_cancel_before_payment(
            order_id=order.pk, reason="cancelled_by_staff", staff=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The unpaid order is cancelled: its stock is back."))
    return redirect("association:order", town=town.slug, number=order.number)
