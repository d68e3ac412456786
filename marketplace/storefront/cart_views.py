"""The one cart of a town (the session's checkout) and the checkout, through the checkout services
the GraphQL mutations call: checkout_create / checkout_lines_add (add), checkout_lines_update
(quantity), checkout_line_delete (remove), checkout_delivery_method_update (delivery),
checkout_contact_update + checkout_complete (order)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.accounts.backends import client_address
from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.contact import checkout_contact_update, delivery_address_required
from marketplace.checkout.delivery import checkout_delivery_method_update
from marketplace.checkout.lines import (
    LineInput,
    checkout_create,
    checkout_line_delete,
    checkout_lines_add,
    checkout_lines_update,
    line_quantity_max,
)
from marketplace.checkout.models import Checkout
from marketplace.checkout.pricing import CheckoutSummary, LineSummary, ShopGroup, checkout_summary
from marketplace.core.money import ZERO
from marketplace.orders.models import Order
from marketplace.storefront.cart import (
    cart_checkout,
    cart_checkout_of_slug,
    cart_count_update,
    cart_forget,
    cart_remember,
    price_seen_remember,
    prices_seen,
)
from marketplace.storefront.cart_stock import cart_stock
from marketplace.storefront.forms import (
    AddToCartForm,
    ContactForm,
    DeliveryForm,
    QuantityForm,
    add_service_errors,
)
from marketplace.storefront.templatetags.money import money
from marketplace.storefront.views import town_context, town_of
from vendors.models import FulfilmentMethodName, Variant

# The tag of a message the page shows beside the form it answers (the product page's add button),
# in a live region there, not in the layout's messages at the top.
BESIDE = "beside"


def _cart_url(town_slug: str) -> str:
    return reverse("storefront:cart", kwargs={"town": town_slug})


def _language() -> str:
    return (get_language() or "fr")[:2]


@require_POST
def cart_add(request: HttpRequest, town: str) -> HttpResponse:
    current = town_of(town)
    raw_variant = str(request.POST.get("variant", ""))
    variant = (
        Variant.objects.select_related("product", "vendor").filter(pk=int(raw_variant)).first()
        if raw_variant.isdigit()
        else None
    )
    if variant is None:
        messages.error(request, _("This product does not exist (any more)."))
        return redirect(_cart_url(current.slug))
    form = AddToCartForm(
        request.POST, variants=[variant], max_quantity=line_quantity_max(town_id=current.pk)
    )
    product_url = reverse(
        "storefront:product",
        kwargs={
            "town": current.slug,
            "vendor": variant.vendor.slug,
            "product": variant.product.slug,
        },
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error), extra_tags=BESIDE)
        return redirect(product_url)
    lines = [LineInput(variant_id=variant.pk, quantity=form.cleaned_data["quantity"])]
    checkout = cart_checkout(request, current)
    try:
        if checkout is None:
            checkout = checkout_create(
                town_slug=current.slug,
                email=None,
                lines=lines,
                user=request.user,
                language=_language(),
                client=client_address(request),
            )
        else:
            checkout = checkout_lines_add(checkout_id=checkout.pk, user=request.user, lines=lines)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message, extra_tags=BESIDE)
        return redirect(product_url)
    checkout.town = current
    cart_remember(request, checkout)
    price_seen_remember(request, variant.pk, variant.price)
    messages.success(
        request,
        _("%(product)s is in your cart.") % {"product": variant.product.name},
        extra_tags=BESIDE,
    )
    return redirect(product_url)


@dataclass
class LineView:
    summary: LineSummary
    available: int
    held_until: Any
    changes: list[str]
    errors: list[str]  # why the quantity just asked was refused
    asked: str | None  # that quantity, as typed


@dataclass
class LineRefused:
    """A line change the form or the service refused: shown on its line, nothing changed."""

    line_id: int
    asked: str
    errors: list[str]


@dataclass
class GroupView:
    group: ShopGroup
    lines: list[LineView]
    methods: list[tuple[str, str, Decimal]]  # value, label, fee


def _explain(
    request: HttpRequest, summary: CheckoutSummary, refused: LineRefused | None
) -> tuple[list[GroupView], Any, list[tuple[str, Decimal, Decimal]]]:
    """Each line with what changed since it was put in the cart (stock, price), in words."""
    available, held = cart_stock(
        checkout_id=summary.checkout.pk, variant_ids=[line.variant.pk for line in summary.lines]
    )
    seen = prices_seen(request)
    currency = summary.currency
    groups = []
    for group in summary.groups:
        lines = []
        for line in group.lines:
            changes = []
            free = available.get(line.variant.pk, 0)
            if not line.variant.product.is_published:
                free = 0  # checkout_complete refuses it (VARIANT_NOT_AVAILABLE)
                changes.append(_("No longer sold: remove it to order."))
            elif free == 0:
                changes.append(_("Sold out since you put it in your cart: remove it to order."))
            elif free < line.quantity:
                changes.append(
                    _("Only %(count)s left: lower the quantity to order.") % {"count": free}
                )
            before = seen.get(str(line.variant.pk))
            if before is not None and Decimal(before) != line.unit_price:
                changes.append(
                    _("The price changed from %(before)s to %(after)s.")
                    % {
                        "before": money(Decimal(before), currency),
                        "after": money(line.unit_price, currency),
                    }
                )
            mine = refused if refused and refused.line_id == line.line.pk else None
            lines.append(
                LineView(
                    line,
                    free,
                    held.get(line.variant.pk),
                    changes,
                    errors=mine.errors if mine else [],
                    asked=mine.asked if mine else None,
                )
            )
        labels = dict(FulfilmentMethodName.choices)
        methods = [
            (m, str(labels.get(m, m)), fee)
            for m, fee in sorted(group.methods.items(), key=lambda i: (i[1], i[0]))
        ]
        groups.append(GroupView(group, lines, methods))
    until = min(held.values(), default=None)
    vat: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for group in summary.groups:
        for rate, amounts in group.vat_breakdown().items():
            vat[rate][0] += Decimal(amounts["vat"])
            vat[rate][1] += Decimal(amounts["total"])
    vat_lines = [(rate, amounts[0], amounts[1]) for rate, amounts in sorted(vat.items())]
    return groups, until, vat_lines


def cart(request: HttpRequest, town: str) -> HttpResponse:
    return _cart_page(request, town, refused=None)


def _cart_page(request: HttpRequest, town: str, *, refused: LineRefused | None) -> HttpResponse:
    """The cart; `refused`: a line change refused, told on its line (and to screen readers by
    the page's live region), the page answering the form's post (no redirect: what was typed
    stays)."""
    checkout = cart_checkout_of_slug(request, town)
    if checkout is not None:
        current = checkout.town
    else:
        current = town_of(town)
        checkout = cart_checkout(request, current)
    context = town_context(request, current, checkout=checkout)
    # Shown at a form's address after a refused change: logging in or switching the language
    # comes back to the cart, not to that address.
    context["page_path"] = _cart_url(current.slug)
    if checkout is not None:
        summary = checkout_summary(checkout=checkout)
        groups, until, vat_lines = _explain(request, summary, refused)
        context.update(
            line_max=line_quantity_max(town_id=current.pk),
            summary=summary,
            groups=groups,
            held_until=until,
            vat_lines=vat_lines,
            blocked=any(
                line.changes and line.available < line.summary.quantity
                for g in groups
                for line in g.lines
            ),
        )
    return render(request, "storefront/cart.html", context)


def _checkout_or_404(request: HttpRequest, town: str) -> Checkout:
    current = town_of(town)
    checkout = cart_checkout(request, current)
    if checkout is None:
        raise Http404(_("Your cart is empty."))
    return checkout


@require_POST
def cart_line_update(request: HttpRequest, town: str, line: int) -> HttpResponse:
    checkout = _checkout_or_404(request, town)
    variant_id = checkout.lines.filter(pk=line).values_list("variant_id", flat=True).first()
    if variant_id is None:
        messages.error(request, _("This line is no longer in your cart."))
        return redirect(_cart_url(town))
    form = QuantityForm(request.POST, max_quantity=line_quantity_max(town_id=checkout.town_id))
    asked = str(request.POST.get("quantity", ""))[:12]
    if not form.is_valid():
        errors = [str(error) for error in form.errors["quantity"]]
        return _cart_page(request, town, refused=LineRefused(line, asked, errors))
    try:
        checkout_lines_update(
            checkout_id=checkout.pk,
            user=request.user,
            lines=[LineInput(variant_id=variant_id, quantity=form.cleaned_data["quantity"])],
        )
    except ValidationError as error:
        return _cart_page(request, town, refused=LineRefused(line, asked, error.messages))
    else:
        price = Variant.objects.filter(pk=variant_id).values_list("price", flat=True).first()
        if price is not None:
            price_seen_remember(request, variant_id, price)
        messages.success(request, _("Your cart is updated."))
    cart_count_update(request, checkout)
    return redirect(_cart_url(town))


@require_POST
def cart_line_delete(request: HttpRequest, town: str, line: int) -> HttpResponse:
    checkout = _checkout_or_404(request, town)
    try:
        checkout_line_delete(checkout_id=checkout.pk, user=request.user, line_id=line)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The line is removed from your cart."))
    cart_count_update(request, checkout)
    return redirect(_cart_url(town))


@require_POST
def cart_delivery(request: HttpRequest, town: str, vendor: int) -> HttpResponse:
    checkout = _checkout_or_404(request, town)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            checkout_delivery_method_update(
                checkout_id=checkout.pk,
                user=request.user,
                vendor_id=vendor,
                method=form.cleaned_data["method"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Delivery choice saved."))
    return redirect(_cart_url(town))


def checkout_page(request: HttpRequest, town: str) -> HttpResponse:
    """Contact, a summary, and "order and pay": checkout_contact_update then checkout_complete."""
    current = town_of(town)
    checkout = cart_checkout(request, current)
    if checkout is None or not checkout.lines.exists():
        return redirect(_cart_url(current.slug))  # which says the cart is empty
    summary = checkout_summary(checkout=checkout)
    initial_email = checkout.email or (request.user.email if request.user.is_authenticated else "")
    initial_name = checkout.customer_name or (
        request.user.get_full_name() if request.user.is_authenticated else ""
    )
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        initial={
            "customer_name": initial_name,
            "email": initial_email,
            "phone": checkout.phone,
            "delivery_address": checkout.delivery_address,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            checkout_contact_update(
                checkout_id=checkout.pk,
                user=request.user,
                customer_name=form.cleaned_data["customer_name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                delivery_address=form.cleaned_data["delivery_address"],
            )
            completion = checkout_complete(checkout_id=checkout.pk, user=request.user)
        except ValidationError as error:
            placed = Order.objects.filter(checkout_token=checkout.pk).first()
            if placed is None:
                add_service_errors(form, error)
                # What the services judged (a delivery method changed meanwhile, in another
                # tab, asks for the address): the page shows the checkout as it is now.
                summary = checkout_summary(checkout=checkout)
            else:  # the order exists but its payment could not start: follow it from its page
                cart_forget(request, current)
                for message in error.messages:
                    messages.error(request, message)
                return redirect("storefront:order_track", token=placed.token)
        except PermissionDenied:
            raise Http404(_("Your cart is empty.")) from None
        else:
            cart_forget(request, current)
            order = completion.order
            payment = completion.payment
            if payment is not None and payment.client_secret and payment.status != "succeeded":
                return redirect("storefront:order_pay", token=order.token)
            messages.success(
                request, _("Thank you! Your order %(number)s is placed.") % {"number": order.number}
            )
            return redirect("storefront:order_track", token=order.token)
    delivering = delivery_address_required(groups=summary.groups)
    return render(
        request,
        "storefront/checkout.html",
        town_context(
            request,
            current,
            summary=summary,
            form=form,
            delivering=delivering,
            stripe=getattr(settings, "PAYMENT_GATEWAY", "dummy") == "stripe",
        ),
    )
