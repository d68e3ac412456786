"""The cart of a browser session: one checkout per town, its id kept in the session.

Only the ids live here; every change goes through the checkout services (as the GraphQL mutations
do). A logged-in customer without a session cart finds their account's latest checkout of the town.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpRequest

from marketplace.accounts.models import User
from marketplace.checkout.access import checkout_get
from marketplace.checkout.models import Checkout, CheckoutLine
from marketplace.checkout.ownership import checkout_claim
from marketplace.towns.models import Town

CARTS = "carts"  # {town slug: checkout id}
COUNTS = "cart_counts"  # {town slug: number of units (sum of the quantities)}, for the header
PRICES = "cart_prices"  # {variant id: price when it was put in the cart}, to tell a change


def _carts(request: HttpRequest) -> dict[str, str]:
    return dict(request.session.get(CARTS, {}))


def cart_checkout(request: HttpRequest, town: Town) -> Checkout | None:
    """The session's checkout of this town, if it still exists and is the visitor's."""
    checkout_id = _carts(request).get(town.slug)
    if checkout_id:
        try:
            return checkout_get(checkout_id=checkout_id, user=request.user)
        except (ValidationError, PermissionDenied):
            cart_forget(request, town)
    if request.user.is_authenticated:
        mine = Checkout.objects.select_related("town").filter(user=request.user, town=town).first()
        if mine is not None:
            cart_remember(request, mine)
            return mine
    return None


def cart_checkout_of_slug(request: HttpRequest, town_slug: str) -> Checkout | None:
    """The session's checkout of the town `town_slug` when it is valid, its town loaded with it
    (the cart page needs no town query then); None otherwise (`cart_checkout` then decides)."""
    checkout_id = _carts(request).get(town_slug)
    if not checkout_id:
        return None
    try:
        checkout = checkout_get(checkout_id=checkout_id, user=request.user)
    except (ValidationError, PermissionDenied):
        return None
    return checkout if checkout.town.slug == town_slug else None


def cart_remember(request: HttpRequest, checkout: Checkout) -> None:
    carts = _carts(request)
    carts[checkout.town.slug] = str(checkout.pk)
    request.session[CARTS] = carts
    cart_count_update(request, checkout)


def cart_forget(request: HttpRequest, town: Town) -> None:
    carts = _carts(request)
    carts.pop(town.slug, None)
    request.session[CARTS] = carts
    counts = dict(request.session.get(COUNTS, {}))
    counts.pop(town.slug, None)
    request.session[COUNTS] = counts


def cart_count_update(request: HttpRequest, checkout: Checkout) -> None:
    """The header's count: the units in the cart (2 baguettes and 3 jars are 5 items)."""
    counts = dict(request.session.get(COUNTS, {}))
    units = CheckoutLine.objects.filter(checkout_id=checkout.pk).aggregate(units=Sum("quantity"))
    counts[checkout.town.slug] = units["units"] or 0
    request.session[COUNTS] = counts


def cart_count(request: HttpRequest, town: Town) -> int:
    return int(dict(request.session.get(COUNTS, {})).get(town.slug, 0))


def prices_seen(request: HttpRequest) -> dict[str, str]:
    return dict(request.session.get(PRICES, {}))


def price_seen_remember(request: HttpRequest, variant_id: int, price: Decimal) -> None:
    prices = prices_seen(request)
    prices[str(variant_id)] = str(price)
    request.session[PRICES] = prices


def carts_claim(request: HttpRequest, user: User) -> None:
    """At login: the session's carts become the account's (merged with its own)."""
    for town_slug, checkout_id in _carts(request).items():
        try:
            checkout = checkout_claim(checkout_id=checkout_id, user=user)
        except (ValidationError, PermissionDenied):
            carts = _carts(request)
            carts.pop(town_slug, None)
            request.session[CARTS] = carts
            continue
        cart_count_update(request, checkout)
