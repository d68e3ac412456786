"""How many units of a variant a customer can still put in a cart."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from vendors.models import Stock


def available_quantities(variant_ids: Iterable[int]) -> dict[int, int]:
    """quantity - allocated for each variant (0 when it has no stock row).

    The checkout issue subtracts other customers' unexpired reservations here too.
    """
    ids = list(variant_ids)
    rows = Stock.objects.filter(variant_id__in=ids).values_list(
        "variant_id", F("quantity") - F("quantity_allocated")
    )
    found = {variant_id: max(0, free) for variant_id, free in rows}
    return {variant_id: found.get(variant_id, 0) for variant_id in ids}
