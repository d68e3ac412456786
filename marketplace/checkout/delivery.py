"""A checkout's per-shop delivery choice, and its contact email."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.checkout.access import checkout_get
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine
from marketplace.checkout.reservations import checkout_reserve
from vendors.models import FulfilmentMethod


def checkout_delivery_method_update(
    *, checkout_id: Any, user: Requester, vendor_id: int, method: str
) -> Checkout:
    """Chooses one of the methods the shop offers, for that shop's group of lines."""
    with transaction.atomic():
        checkout = checkout_get(
            checkout_id=checkout_id,
            user=user,
            queryset=Checkout.objects.select_related("town").select_for_update(of=("self",)),
        )
        if not CheckoutLine.objects.filter(
            checkout_id=checkout.pk, variant__vendor_id=vendor_id
        ).exists():
            raise ValidationError(
                {
                    "vendor": ValidationError(
                        _("This checkout has no line of that shop."),
                        code=CheckoutErrorCode.NOT_FOUND.value,
                    )
                }
            )
        if not FulfilmentMethod.objects.filter(vendor_id=vendor_id, method=method).exists():
            raise ValidationError(
                {
                    "method": ValidationError(
                        _("This shop does not offer that delivery method."),
                        code=CheckoutErrorCode.DELIVERY_METHOD_NOT_OFFERED.value,
                    )
                }
            )
        CheckoutDelivery.objects.update_or_create(
            checkout=checkout, vendor_id=vendor_id, defaults={"method": method}
        )
        checkout_reserve(checkout=checkout, strict_variant_ids=set())
        checkout.save(update_fields=["updated_at"])
    return checkout


def checkout_email_update(*, checkout_id: Any, user: Requester, email: str) -> Checkout:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Enter a valid email address."), code=CheckoutErrorCode.INVALID.value
                )
            }
        ) from error
    with transaction.atomic():
        checkout = checkout_get(
            checkout_id=checkout_id,
            user=user,
            queryset=Checkout.objects.select_related("town").select_for_update(of=("self",)),
        )
        checkout.email = email
        # Every change of a checkout renews its reservations (as far as the stock allows).
        checkout_reserve(checkout=checkout, strict_variant_ids=set())
        checkout.save(update_fields=["email", "updated_at"])
    return checkout
