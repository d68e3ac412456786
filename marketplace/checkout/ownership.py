"""A guest's checkout becomes the account's when its holder logs in (the web's session cart)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.checkout.access import checkout_get
from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine
from marketplace.checkout.reservations import checkout_reserve


def checkout_claim(*, checkout_id: Any, user: User) -> Checkout:
    """Gives the guest checkout `checkout_id` to `user` (its email too, when it had none).

    The account's other checkouts of the same town are merged into it: their lines of variants not
    already in this checkout are moved here (with their delivery choices), then they are deleted.
    A checkout already the user's is returned unchanged; another user's is PermissionDenied.
    """
    with transaction.atomic():
        checkout = checkout_get(
            checkout_id=checkout_id,
            user=user,
            queryset=Checkout.objects.select_related("town").select_for_update(of=("self",)),
        )
        if checkout.user_id == user.pk:
            return checkout
        others = list(
            Checkout.objects.select_for_update()
            .filter(user=user, town_id=checkout.town_id)
            .exclude(pk=checkout.pk)
            .order_by("pk")
        )
        if others:
            other_ids = [other.pk for other in others]
            present = set(
                CheckoutLine.objects.filter(checkout_id=checkout.pk).values_list(
                    "variant_id", flat=True
                )
            )
            moved: dict[int, int] = {}
            for line in CheckoutLine.objects.filter(checkout_id__in=other_ids).order_by("pk"):
                if line.variant_id not in present and line.variant_id not in moved:
                    moved[line.variant_id] = line.quantity
            CheckoutLine.objects.bulk_create(
                CheckoutLine(checkout=checkout, variant_id=v, quantity=q) for v, q in moved.items()
            )
            chosen = set(
                CheckoutDelivery.objects.filter(checkout_id=checkout.pk).values_list(
                    "vendor_id", flat=True
                )
            )
            for delivery in CheckoutDelivery.objects.filter(checkout_id__in=other_ids):
                if delivery.vendor_id not in chosen:
                    CheckoutDelivery.objects.create(
                        checkout=checkout, vendor_id=delivery.vendor_id, method=delivery.method
                    )
                    chosen.add(delivery.vendor_id)
            Checkout.objects.filter(pk__in=other_ids).delete()
        checkout.user = user
        checkout.email = checkout.email or user.email
        checkout.save(update_fields=["user", "email", "updated_at"])
        checkout_reserve(checkout=checkout, strict_variant_ids=set())
    return checkout
