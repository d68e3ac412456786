"""Stock reserved by checkouts for settings.RESERVATION_MINUTES (default 15).

Every reservation write locks the variants' stock rows (pk order) first, so that reserving and
completing (which locks the same rows) are serialised and availability is read after the lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout, CheckoutLine, Reservation
from vendors.stock import available_quantities, stocks_lock


def reservation_expiry(now: datetime | None = None) -> datetime:
    minutes = int(getattr(settings, "RESERVATION_MINUTES", 15))
    return (now or timezone.now()) + timedelta(minutes=minutes)


def _short_message(short: list[int], available: dict[int, int]) -> str:
    """What the customer can do: how many are left of the one variant short of stock."""
    if len(short) > 1:
        return _("Not enough stock for %(count)s of the requested items.")
    if available.get(short[0], 0) == 0:
        return _("Not enough stock: none left.")
    return _("Not enough stock: only %(left)s left.")


def checkout_reserve(*, checkout: Checkout, strict_variant_ids: set[int]) -> None:
    """Renews the reservations of all the checkout's lines, inside the caller's transaction.

    A line whose variant is in `strict_variant_ids` (just added or changed) must fit in the
    available stock, else INSUFFICIENT_STOCK on `lines`. Other lines are renewed only if the stock
    still allows; otherwise their old reservation is left to expire.
    """
    assert transaction.get_connection().in_atomic_block
    quantities = dict(
        CheckoutLine.objects.filter(checkout_id=checkout.pk).values_list("variant_id", "quantity")
    )
    Reservation.objects.filter(checkout_id=checkout.pk).exclude(
        variant_id__in=list(quantities)
    ).delete()
    if not quantities:
        return
    stocks_lock(variant_ids=list(quantities))
    available = available_quantities(list(quantities), exclude_checkout=checkout.pk)
    short = sorted(v for v in strict_variant_ids if quantities.get(v, 0) > available.get(v, 0))
    if short:
        raise ValidationError(
            {
                "lines": ValidationError(
                    _short_message(short, available),
                    code=CheckoutErrorCode.INSUFFICIENT_STOCK.value,
                    params={
                        "count": len(short),
                        "variants": short,
                        "left": available.get(short[0], 0),
                    },
                )
            }
        )
    expires_at = reservation_expiry()
    renew = [
        Reservation(checkout=checkout, variant_id=v, quantity=q, expires_at=expires_at)
        for v, q in quantities.items()
        if q <= available.get(v, 0)
    ]
    if renew:
        Reservation.objects.bulk_create(
            renew,
            update_conflicts=True,
            unique_fields=["checkout", "variant"],
            update_fields=["quantity", "expires_at"],
        )


def reservations_purge_expired(*, now: datetime | None = None) -> int:
    """Deletes expired reservations (they already stopped counting). Idempotent."""
    deleted, _details = Reservation.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
