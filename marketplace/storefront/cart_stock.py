"""What the cart page tells about each line's stock, in one query: the free quantity (the cart's
own reservation apart, as `vendors.stock.available_quantities` counts it) and until when the
cart holds it (its unexpired reservation)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from marketplace.checkout.models import Reservation
from vendors.models import Stock
from vendors.stock import free_quantity


def cart_stock(
    *, checkout_id: uuid.UUID | str, variant_ids: Sequence[int]
) -> tuple[dict[int, int], dict[int, datetime]]:
    """({variant id: free quantity, 0 without stock}, {variant id: held until}) for these
    variants of this checkout. One SQL query."""
    if not variant_ids:
        return {}, {}
    held_until = Subquery(
        Reservation.objects.filter(
            checkout_id=checkout_id,
            variant_id=OuterRef("variant_id"),
            expires_at__gt=timezone.now(),
        )
        .order_by()
        .values("variant_id")
        .annotate(until=Max("expires_at"))
        .values("until")
    )
    rows = Stock.objects.filter(variant_id__in=list(variant_ids)).values_list(
        "variant_id", free_quantity(exclude_checkout=checkout_id), held_until
    )
    free: dict[int, int] = dict.fromkeys(variant_ids, 0)
    held: dict[int, datetime] = {}
    for variant_id, quantity, until in rows:
        free[variant_id] = max(0, quantity)
        if until is not None:
            held[variant_id] = until
    return free, held
