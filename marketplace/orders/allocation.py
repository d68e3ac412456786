"""Stock held by shop orders: released on cancel/refuse, consumed on fulfilment.

Callers run inside a transaction; the stock verbs (vendors/stock.py) lock the rows in pk order.
"""

from __future__ import annotations

from collections import defaultdict

from marketplace.accounts.requester import Requester
from marketplace.orders.models import OrderLine
from search.indexing import mark_products_dirty
from vendors.models import Variant
from vendors.stock import stock_consume, stock_release


def _held(lines: list[OrderLine]) -> dict[int, int]:
    held: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.variant_id and line.quantity_allocated:
            held[line.variant_id] += line.quantity_allocated
    return dict(held)


def _mark_dirty(variant_ids: list[int]) -> None:
    product_ids = list(
        Variant.objects.filter(pk__in=variant_ids).values_list("product_id", flat=True).distinct()
    )
    if product_ids:
        mark_products_dirty(product_ids=product_ids)


def lines_release(*, lines: list[OrderLine]) -> None:
    """Gives back the quantity the lines still hold in stock (cancel, refuse). Search re-indexes
    only the products of the variants this brings back (`search.indexing.mark_products_dirty`)."""
    held = _held(lines)
    if held:
        _mark_dirty(stock_release(quantities=held))
    _zero_allocations(lines)


def lines_consume(*, lines: list[OrderLine], user: Requester | None = None, note: str = "") -> None:
    """The goods left the shop: quantity -= n and allocated -= n, recorded as a sale.

    What is unsold does not change, so search has nothing to re-index
    (`search.indexing.mark_products_dirty`)."""
    held = _held(lines)
    if held:
        stock_consume(quantities=held, user=user, note=note)
    _zero_allocations(lines)


def _zero_allocations(lines: list[OrderLine]) -> None:
    ids = [line.pk for line in lines if line.quantity_allocated]
    if ids:
        OrderLine.objects.filter(pk__in=ids).update(quantity_allocated=0)
    for line in lines:
        line.quantity_allocated = 0
