"""Input checks shared by the merchant services; each raises a coded ValidationError."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import moneyed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.catalog.models import Category
from marketplace.core.money import money_round
from vendors.error_codes import VendorErrorCode
from vendors.models import FulfilmentMethodName, Vendor, VendorStatus
from vendors.opening_hours import normalize_opening_hours, opening_hours_day_problems

MAX_PRICE = Decimal("99999999.99")


def field_error(field: str, message: str, code: VendorErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def require_approved(vendor: Vendor) -> None:
    """Uploads and imports cost work and space: only for a shop the town has approved."""
    if vendor.status != VendorStatus.APPROVED:
        raise field_error(
            "vendor",
            _("Only an approved shop can upload images or import a catalogue."),
            VendorErrorCode.VENDOR_NOT_ACTIVE,
        )


def currency_places(currency: str) -> int:
    try:
        sub_unit = moneyed.get_currency(currency).sub_unit
    except Exception:  # unknown code: assume cents
        return 2
    places = 0
    while sub_unit >= 10:
        sub_unit //= 10
        places += 1
    return min(places, 2)


def price_problem(value: Any, *, currency: str, allow_zero: bool = False) -> str | None:
    """A message when `value` is not a valid amount in that currency, else None."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return _("Enter a number.")
    if value < 0 and allow_zero:
        return _("The amount cannot be negative.")
    if value <= 0 and not allow_zero:
        return _("The amount must be greater than zero.")
    places = currency_places(currency)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return _("At most %(places)d decimal places in %(currency)s.") % {
            "places": places,
            "currency": currency,
        }
    if value > MAX_PRICE:
        return _("The amount is too large.")
    return None


def check_price(field: str, value: Any, *, currency: str, allow_zero: bool = False) -> Decimal:
    problem = price_problem(value, currency=currency, allow_zero=allow_zero)
    if problem:
        raise field_error(field, problem, VendorErrorCode.INVALID_PRICE)
    return money_round(Decimal(value))


def check_quantity(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**9:
        raise field_error(
            field, _("Enter a whole number of at least 0."), VendorErrorCode.INVALID_QUANTITY
        )
    return value


def check_text(field: str, value: Any, *, max_length: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise field_error(field, _("Enter a text."), VendorErrorCode.INVALID)
    if required and not text:
        raise field_error(field, _("This field is required."), VendorErrorCode.REQUIRED)
    if len(text) > max_length:
        raise field_error(
            field,
            _("At most %(max)d characters.") % {"max": max_length},
            VendorErrorCode.INVALID,
        )
    return text


# Digits, spaces, dots and dashes between them, one "+" in front for an international number.
_PHONE = re.compile(r"^\+?[0-9](?:[0-9 .\-]*[0-9])?$")
PHONE_DIGITS = (6, 15)  # 15: the longest international number (E.164)


def check_phone(field: str, value: Any) -> str:
    """A phone number as written ("04 67 12 34 56", "+33 4.67.12.34.56"), or "" for none."""
    text = check_text(field, value, max_length=32, required=False)
    digits = sum(character.isdigit() for character in text)
    if text and not (_PHONE.match(text) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]):
        raise field_error(
            field,
            _(
                "Enter a phone number: %(min)d to %(max)d digits, with spaces, dots or dashes "
                "between them, and + in front for an international number."
            )
            % {"min": PHONE_DIGITS[0], "max": PHONE_DIGITS[1]},
            VendorErrorCode.INVALID,
        )
    return text


def check_opening_hours(field: str, value: Any) -> dict[str, str | None]:
    """The normalised hours, or every problem: a day's under `<field>.<day>` (`opening_hours.tue`),
    the whole value's under `field`."""
    problems = opening_hours_day_problems(value)
    if problems:
        errors: dict[str, list[ValidationError]] = {}
        for day, problem in problems:
            errors.setdefault(f"{field}.{day}" if day else field, []).append(
                ValidationError(problem, code=VendorErrorCode.INVALID_OPENING_HOURS.value)
            )
        raise ValidationError(errors)
    return normalize_opening_hours(value)


def check_fulfilment_methods(
    field: str, methods: list[dict[str, Any]], *, currency: str
) -> dict[str, Decimal]:
    """[{method, fee}] → {method: fee}; each method at most once, fee ≥ 0 in the currency."""
    result: dict[str, Decimal] = {}
    for index, item in enumerate(methods):
        method = str(item.get("method") or "").lower()
        if method not in FulfilmentMethodName.values:
            raise field_error(field, _("Unknown fulfilment method."), VendorErrorCode.INVALID)
        if method in result:
            raise field_error(
                field,
                _("Each fulfilment method may appear once."),
                VendorErrorCode.DUPLICATED_INPUT,
            )
        fee = item.get("fee")
        result[method] = check_price(
            f"{field}.{index}.fee",
            Decimal("0") if fee is None else fee,
            currency=currency,
            allow_zero=True,
        )
    return result


def check_location(field: str, latitude: Any, longitude: Any) -> tuple[float, float]:
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError) as error:
        raise field_error(
            field, _("Enter a latitude and a longitude."), VendorErrorCode.INVALID
        ) from error
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise field_error(field, _("Latitude or longitude out of range."), VendorErrorCode.INVALID)
    return lat, lon


def resolve_category(field: str, value: Any) -> Category:
    """A category of the shared taxonomy, by slug or by primary key."""
    reference = str(value or "").strip()
    if not reference:
        raise field_error(field, _("Choose a category."), VendorErrorCode.REQUIRED)
    category = None
    if reference.isdigit():
        category = Category.objects.filter(pk=int(reference)).first()
    if category is None:
        category = Category.objects.filter(slug=reference).first()
    if category is None:
        raise field_error(field, _("Unknown category."), VendorErrorCode.NOT_FOUND)
    return category
