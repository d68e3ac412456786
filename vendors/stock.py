"""How many units of a variant a customer can still put in a cart."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.checkout.models import Reservation
from vendors.models import Stock


def free_quantity(*, exclude_checkout: uuid.UUID | str | None = None) -> Any:
    """The expression, on a Stock row, of quantity - allocated - unexpired reservations (those of
    `exclude_checkout` apart): what available_quantities reads and checkoutComplete allocates from.
    """
    reservations = Reservation.objects.filter(
        variant_id=OuterRef("variant_id"), expires_at__gt=timezone.now()
    )
    if exclude_checkout is not None:
        reservations = reservations.exclude(checkout_id=exclude_checkout)
    reserved = Subquery(
        reservations.order_by()
        .values("variant_id")
        .annotate(total=Sum("quantity"))
        .values("total"),
        output_field=IntegerField(),
    )
    return F("quantity") - F("quantity_allocated") - Coalesce(reserved, Value(0))


def available_quantities(
    variant_ids: Iterable[int], *, exclude_checkout: uuid.UUID | str | None = None
) -> dict[int, int]:
    """quantity - allocated - unexpired reservations for each variant (0 when it has no stock).

    Reservations of `exclude_checkout` (the asking customer's own checkout) do not count against
    it. A reservation stops counting the instant it expires (expires_at > now), purge or not.
    One SQL query.
    """
    ids = list(variant_ids)
    rows = Stock.objects.filter(variant_id__in=ids).values_list(
        "variant_id", free_quantity(exclude_checkout=exclude_checkout)
    )
    found = {variant_id: max(0, free) for variant_id, free in rows}
    return {variant_id: found.get(variant_id, 0) for variant_id in ids}
