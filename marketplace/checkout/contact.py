"""How the shops reach the customer of a checkout: who the order is for (their name, which the shop
asks at the counter or writes on the parcel), email, phone, and the delivery address, which is
required when a shop of the checkout delivers (local delivery or shipping) and only then."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.checkout.access import checkout_get
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout
from marketplace.checkout.pricing import ShopGroup, checkout_summary
from marketplace.checkout.reservations import checkout_reserve
from marketplace.orders.models import CUSTOMER_NAME_MAX_LENGTH
from vendors.models import FulfilmentMethodName

DELIVERING = frozenset({FulfilmentMethodName.LOCAL_DELIVERY, FulfilmentMethodName.SHIPPING})
PHONE = re.compile(r"^\+?[0-9][0-9 .\-()]{5,30}$")
MAX_ADDRESS_LENGTH = 500


def _field_error(message: str, code: CheckoutErrorCode) -> ValidationError:
    return ValidationError(message, code=code.value)


def checkout_contact_update(
    *,
    checkout_id: Any,
    user: Requester,
    email: str,
    customer_name: str,
    phone: str = "",
    delivery_address: str = "",
) -> Checkout:
    """Sets the checkout's customer's name, email, phone (optional) and delivery address.

    The address is required when a shop's chosen (or default) method delivers, and dropped when
    none does. Refused with a code on each field at fault, all of them at once (one answer
    tells every correction): INVALID (email, phone, too long a name or address, a null
    character in one), REQUIRED (name, address). A refused call changes nothing; an accepted one
    renews the checkout's reservations, as every change of a checkout does.
    """
    customer_name = " ".join((customer_name or "").split())
    email = (email or "").strip()
    phone = " ".join((phone or "").split())
    address = "\n".join(line.strip() for line in (delivery_address or "").strip().splitlines())
    errors: dict[str, ValidationError] = {}
    if not customer_name:
        errors["customer_name"] = _field_error(
            _("Give your name: the shops hand the order over to you under it."),
            CheckoutErrorCode.REQUIRED,
        )
    elif len(customer_name) > CUSTOMER_NAME_MAX_LENGTH:
        errors["customer_name"] = _field_error(
            _("The name is longer than %(max)s characters.") % {"max": CUSTOMER_NAME_MAX_LENGTH},
            CheckoutErrorCode.INVALID,
        )
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _field_error(_("Enter a valid email address."), CheckoutErrorCode.INVALID)
    if phone and not PHONE.match(phone):
        errors["phone"] = _field_error(
            _("Enter a phone number (digits, spaces, +)."), CheckoutErrorCode.INVALID
        )
    if len(address) > MAX_ADDRESS_LENGTH:
        errors["delivery_address"] = _field_error(
            _("The address is longer than %(max)s characters.") % {"max": MAX_ADDRESS_LENGTH},
            CheckoutErrorCode.INVALID,
        )
    # A null character (an API client's, a pasted text's) is kept by no text field.
    for field, value in (("customer_name", customer_name), ("delivery_address", address)):
        if "\x00" in value and field not in errors:
            errors[field] = _field_error(
                _("Remove the null character from this text."), CheckoutErrorCode.INVALID
            )
    with transaction.atomic():
        checkout = checkout_get(
            checkout_id=checkout_id,
            user=user,
            queryset=Checkout.objects.select_related("town").select_for_update(of=("self",)),
        )
        if checkout_delivers(checkout=checkout):
            if not address and "delivery_address" not in errors:
                errors["delivery_address"] = delivery_address_missing()
        else:
            address = ""
        if errors:
            raise ValidationError(errors)
        checkout.customer_name = customer_name
        checkout.email = email
        checkout.phone = phone
        checkout.delivery_address = address
        # Every change of a checkout renews its reservations (as far as the stock allows).
        checkout_reserve(checkout=checkout, strict_variant_ids=set())
        checkout.save(
            update_fields=["customer_name", "email", "phone", "delivery_address", "updated_at"]
        )
    return checkout


def checkout_delivers(*, checkout: Checkout) -> bool:
    """Whether a shop of the checkout delivers it (its chosen or default method)."""
    return delivery_address_required(groups=checkout_summary(checkout=checkout).groups)


def delivery_address_required(*, groups: Iterable[ShopGroup]) -> bool:
    """The rule: a checkout needs a delivery address when a shop's chosen (or default) method
    delivers (local delivery or shipping). Reads only the groups' methods: no query (the
    completion checks it on the summary it has loaded)."""
    return any(group.delivery_method in DELIVERING for group in groups)


def delivery_address_missing() -> ValidationError:
    """The error on `delivery_address` of a delivering checkout without an address (REQUIRED)."""
    return _field_error(
        _("A shop delivers your order: give the delivery address."), CheckoutErrorCode.REQUIRED
    )
