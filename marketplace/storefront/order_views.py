"""Following an order: a guest with the order's token (the only personal key allowed in a URL),
a customer from their account; paying with Stripe's Payment Element; giving up an unpaid order
(the service orderCancel calls)."""

from __future__ import annotations

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.orders.lifecycle import shop_order_cancel as shop_order_cancel_service
from marketplace.orders.models import Order, OrderStatus, ShopOrder
from marketplace.orders.outcome import order_outcome
from marketplace.orders.transitions import shop_order_may_be_cancelled
from payments.charges import order_cancel_before_payment
from payments.models import Payment, Refund

STRIPE_JS = "https://js.stripe.com"


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("town").prefetch_related(
        Prefetch(
            "shop_orders",
            queryset=ShopOrder.objects.select_related("vendor")
            .prefetch_related(
                "lines", Prefetch("refunds", queryset=Refund.objects.order_by("sequence"))
            )
            .order_by("pk"),
        )
    )


def _render_order(request: HttpRequest, order: Order, *, by_token: bool) -> HttpResponse:
    payment = Payment.objects.filter(order=order).only("gateway", "status").first()
    return render(
        request,
        "storefront/order.html",
        {
            "order": order,
            "outcome": order_outcome(order=order),
            "town": order.town,
            "by_token": by_token,
            "can_cancel": order.status == OrderStatus.UNPAID,
            # Each shop order the customer may still cancel alone (unpaid: the whole order).
            "cancellable": {
                shop_order.pk
                for shop_order in order.shop_orders.all()
                if shop_order_may_be_cancelled(shop_order.status, by_customer=True)
            },
            "payment": payment,
        },
    )


def _customers_order(request: HttpRequest, token: str) -> Order:
    """The order of this token, for a guest or for its account holder (a 404 for anyone else)."""
    order = Order.objects.select_related("town").filter(token=token).first()
    if order is None or (order.user_id is not None and order.user_id != request.user.pk):
        raise Http404(_("Order not found."))
    return order


def _back_to(order: Order) -> HttpResponse:
    if order.user_id is not None:
        return redirect("storefront:account_order", number=order.number)
    return redirect("storefront:order_track", token=order.token)


def order_track(request: HttpRequest, token: str) -> HttpResponse:
    order = _orders().filter(token=token).first()
    if order is None:
        raise Http404(_("Order not found."))
    return _render_order(request, order, by_token=True)


@login_required
def account_order(request: HttpRequest, number: str) -> HttpResponse:
    order = get_object_or_404(_orders(), number=number, user=request.user)
    return _render_order(request, order, by_token=False)


@require_POST
def order_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """A guest (token in the path) or the account holder gives up an order not paid yet."""
    order = _customers_order(request, token)
    try:
        order_cancel_before_payment(order_id=order.pk, reason="cancelled_by_customer")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Your order %(number)s is cancelled.") % {"number": order.number}
        )
    return _back_to(order)


@require_POST
def shop_order_cancel(request: HttpRequest, token: str, shop_order_id: int) -> HttpResponse:
    """The customer cancels their order from one shop, until the shop accepts it (the service
    shopOrderCancel calls): its stock goes back and what was paid for it is refunded."""
    order = _customers_order(request, token)
    shop_order = get_object_or_404(
        ShopOrder.objects.select_related("vendor"), pk=shop_order_id, order=order
    )
    try:
        shop_order_cancel_service(
            shop_order_id=shop_order.pk,
            reason=request.POST.get("reason", "").strip(),
            by_customer=True,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "Your order from %(shop)s is cancelled: the shop is told, and what you paid "
                "for it goes back to your card within a few days."
            )
            % {"shop": shop_order.vendor.name},
        )
    return _back_to(order)


@csp_update({"script-src": [STRIPE_JS], "connect-src": ["https://api.stripe.com"]})
@csp_replace({"frame-src": [STRIPE_JS, "https://hooks.stripe.com"]})  # type: ignore[arg-type]
def order_pay(request: HttpRequest, token: str) -> HttpResponse:
    """Stripe's Payment Element for an order whose payment is pending (Stripe's script only here)."""
    order = _customers_order(request, token)
    payment = Payment.objects.filter(order=order).first()
    if payment is None or not payment.client_secret or order.status != OrderStatus.UNPAID:
        return redirect("storefront:order_track", token=order.token)
    return render(
        request,
        "storefront/pay.html",
        {
            "order": order,
            "town": order.town,
            "client_secret": payment.client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "return_url": request.build_absolute_uri(order_track_url(order)),
        },
    )


def order_track_url(order: Order) -> str:
    return reverse("storefront:order_track", kwargs={"token": order.token})
