"""Creating a checkout and changing its lines. Each change renews the checkout's reservations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.checkout.access import checkout_get
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout, CheckoutLine
from marketplace.checkout.reservations import checkout_reserve
from marketplace.governance.town_settings import governance_settings_for
from marketplace.ratelimits import rate_limit_hit
from marketplace.towns.models import Town
from vendors.models import Variant, VendorStatus
from vendors.stock import available_quantities

MAX_LINE_QUANTITY = 10_000


@dataclass(frozen=True)
class LineInput:
    variant_id: int
    quantity: int


def line_quantity_max(*, town_id: int) -> int:
    """The most units of one product a cart line may hold in this town: the town's cap
    (governance `checkout_max_units_per_variant`, which `_check_holding` enforces), never above
    MAX_LINE_QUANTITY. The pages' quantity inputs and their messages say this one number."""
    caps = governance_settings_for(town_id)
    return min(MAX_LINE_QUANTITY, caps.checkout_max_units_per_variant)


def buyable_quantities(*, variant_ids: Iterable[int]) -> dict[int, int]:
    """{variant id: the units a customer can put in a cart now}, 0 when none (sold out: no "add"
    is offered). The free stock `checkout_reserve` holds a new line to (quantity - allocated -
    others' unexpired reservations), for variants of a published product of an approved shop
    (what `_check_variants` checks; the pages list no others). One query."""
    return available_quantities(variant_ids)


def _error(field: str, message: str, code: CheckoutErrorCode, **params: Any) -> ValidationError:
    return ValidationError(
        {field: ValidationError(message, code=code.value, params=params or None)}
    )


def _locked(checkout_id: Any, user: Requester) -> Checkout:
    return checkout_get(
        checkout_id=checkout_id,
        user=user,
        queryset=Checkout.objects.select_related("town").select_for_update(of=("self",)),
    )


def _check_quantities(lines: list[LineInput], *, allow_zero: bool) -> None:
    for line in lines:
        if line.quantity < (0 if allow_zero else 1) or line.quantity > MAX_LINE_QUANTITY:
            raise _error(
                "lines",
                _("Quantity must be between %(low)s and %(high)s."),
                CheckoutErrorCode.INVALID_QUANTITY,
                low=0 if allow_zero else 1,
                high=MAX_LINE_QUANTITY,
            )


def _check_variants(town_id: int, variant_ids: list[int]) -> None:
    """Every variant exists, is of this town, of an approved shop and of a published product."""
    variants = Variant.objects.select_related("vendor", "product").in_bulk(variant_ids)
    for variant_id in variant_ids:
        variant = variants.get(variant_id)
        if variant is None:
            raise _error("lines", _("Unknown product variant."), CheckoutErrorCode.NOT_FOUND)
        if variant.vendor.town_id != town_id:
            raise _error(
                "lines",
                _("This product is sold in another town."),
                CheckoutErrorCode.WRONG_TOWN,
            )
        if variant.vendor.status != VendorStatus.APPROVED:
            raise _error(
                "lines",
                _("This shop does not sell at the moment."),
                CheckoutErrorCode.VARIANT_NOT_AVAILABLE,
            )
        if not variant.product.is_published:
            raise _error(
                "lines",
                _("This product is no longer sold."),
                CheckoutErrorCode.VARIANT_NOT_AVAILABLE,
            )


def _check_holding(checkout: Checkout) -> None:
    """What the checkout now holds is within its town's caps (governance settings), or nothing
    of the change is kept: one buyer cannot reserve a shop's whole stock."""
    caps = governance_settings_for(checkout.town_id)
    quantities = list(
        CheckoutLine.objects.filter(checkout_id=checkout.pk).values_list("quantity", flat=True)
    )
    if quantities and max(quantities) > caps.checkout_max_units_per_variant:
        raise _error(
            "lines",
            _("At most %(max)s units of one product per order."),
            CheckoutErrorCode.CHECKOUT_LIMIT_EXCEEDED,
            max=caps.checkout_max_units_per_variant,
        )
    if sum(quantities) > caps.checkout_max_units:
        raise _error(
            "lines",
            _("At most %(max)s units in all per order."),
            CheckoutErrorCode.CHECKOUT_LIMIT_EXCEEDED,
            max=caps.checkout_max_units,
        )


def _merge(lines: list[LineInput]) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for line in lines:
        merged[line.variant_id] += line.quantity
    return dict(merged)


def _add(checkout: Checkout, lines: list[LineInput]) -> None:
    _check_quantities(lines, allow_zero=False)
    wanted = _merge(lines)
    _check_variants(checkout.town_id, list(wanted))
    existing = {
        line.variant_id: line
        for line in CheckoutLine.objects.filter(checkout_id=checkout.pk, variant_id__in=wanted)
    }
    new = []
    for variant_id, quantity in wanted.items():
        line = existing.get(variant_id)
        if line is None:
            new.append(CheckoutLine(checkout=checkout, variant_id=variant_id, quantity=quantity))
        else:
            line.quantity += quantity
            if line.quantity > MAX_LINE_QUANTITY:
                _check_quantities([LineInput(variant_id, line.quantity)], allow_zero=False)
            line.save(update_fields=["quantity"])
    CheckoutLine.objects.bulk_create(new)
    _check_holding(checkout)
    checkout_reserve(checkout=checkout, strict_variant_ids=set(wanted))


def _touch(checkout: Checkout) -> None:
    checkout.updated_at = timezone.now()
    checkout.save(update_fields=["updated_at"])


def checkout_create(
    *,
    town_slug: str,
    email: str | None,
    lines: list[LineInput],
    user: Requester,
    language: str = "fr",
    client: str | None = None,
) -> Checkout:
    """A new checkout in a town (the logged-in user's, or a guest's reached by its UUID).

    `client` (the caller's address; a logged-in user counts as themself) is held to
    CHECKOUT_CREATE_RATE_LIMIT, so that nobody renews reservations without end by opening
    checkout after checkout."""
    logged_in = user.is_authenticated
    if client is not None or logged_in:
        key = f"user:{user.pk}" if logged_in else f"address:{client}"
        if rate_limit_hit(
            scope="checkout-create", key=key, rate=settings.CHECKOUT_CREATE_RATE_LIMIT
        ):
            raise _error(
                "town",
                _("Too many new carts in a short time; try again in a few minutes."),
                CheckoutErrorCode.RATE_LIMITED,
            )
    town = Town.objects.filter(slug=town_slug).first()
    if town is None:
        raise _error("town", _("Unknown town."), CheckoutErrorCode.NOT_FOUND)
    email = (email or "").strip() or (user.email if user.is_authenticated else "")
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise _error(
                "email", _("Enter a valid email address."), CheckoutErrorCode.INVALID
            ) from error
    with transaction.atomic():
        checkout = Checkout.objects.create(
            town=town, user=user if user.is_authenticated else None, email=email, language=language
        )
        if lines:
            _add(checkout, lines)
    return checkout


def checkout_lines_add(*, checkout_id: Any, user: Requester, lines: list[LineInput]) -> Checkout:
    """Adds quantities (to existing lines of the same variant too) and reserves them."""
    if not lines:
        raise _error("lines", _("Give at least one line."), CheckoutErrorCode.REQUIRED)
    with transaction.atomic():
        checkout = _locked(checkout_id, user)
        _add(checkout, lines)
        _touch(checkout)
    return checkout


def checkout_lines_update(*, checkout_id: Any, user: Requester, lines: list[LineInput]) -> Checkout:
    """Sets each variant's quantity; quantity 0 removes the line; a new variant adds a line."""
    if not lines:
        raise _error("lines", _("Give at least one line."), CheckoutErrorCode.REQUIRED)
    _check_quantities(lines, allow_zero=True)
    if len({line.variant_id for line in lines}) != len(lines):
        raise _error("lines", _("A variant appears twice."), CheckoutErrorCode.DUPLICATED_INPUT)
    with transaction.atomic():
        checkout = _locked(checkout_id, user)
        wanted = {line.variant_id: line.quantity for line in lines}
        kept = [v for v, q in wanted.items() if q > 0]
        _check_variants(checkout.town_id, kept)
        existing = {
            line.variant_id: line
            for line in CheckoutLine.objects.filter(
                checkout_id=checkout.pk, variant_id__in=list(wanted)
            )
        }
        removed = [v for v, q in wanted.items() if q == 0 and v in existing]
        CheckoutLine.objects.filter(checkout_id=checkout.pk, variant_id__in=removed).delete()
        changed = set()
        for variant_id in kept:
            line = existing.get(variant_id)
            if line is None:
                CheckoutLine.objects.create(
                    checkout=checkout, variant_id=variant_id, quantity=wanted[variant_id]
                )
                changed.add(variant_id)
            elif line.quantity != wanted[variant_id]:
                line.quantity = wanted[variant_id]
                line.save(update_fields=["quantity"])
                changed.add(variant_id)
        _check_holding(checkout)
        checkout_reserve(checkout=checkout, strict_variant_ids=changed)
        _touch(checkout)
    return checkout


def checkout_line_delete(*, checkout_id: Any, user: Requester, line_id: int) -> Checkout:
    with transaction.atomic():
        checkout = _locked(checkout_id, user)
        deleted, _details = CheckoutLine.objects.filter(
            checkout_id=checkout.pk, pk=line_id
        ).delete()
        if not deleted:
            raise _error(
                "line_id", _("No such line in this checkout."), CheckoutErrorCode.NOT_FOUND
            )
        checkout_reserve(checkout=checkout, strict_variant_ids=set())
        _touch(checkout)
    return checkout
