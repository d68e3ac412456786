"""Stock held by shop orders: released on cancel/refuse, consumed on fulfilment.

Callers run inside a transaction; stock rows are locked in primary-key order.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import F

from marketplace.orders.models import OrderLine
from search.indexing import mark_products_dirty
from vendors.models import Stock, StockMovement, StockMovementReason, Variant


def _lock_stocks(variant_ids: list[int]) -> dict[int, Stock]:
    ids = sorted(set(variant_ids))
    rows = Stock.objects.select_for_update().filter(variant_id__in=ids).order_by("pk")
    return {stock.variant_id: stock for stock in rows}


def _mark_dirty(variant_ids: list[int]) -> None:

    product_ids = list(
        Variant.objects.filter(pk__in=variant_ids).values_list("product_id", flat=True).distinct()
    )
    if product_ids:
        mark_products_dirty(product_ids=product_ids)


def lines_release(*, lines: list[OrderLine]) -> None:
    """Gives back the quantity the lines still hold in stock (cancel, refuse)."""
    held: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.variant_id and line.quantity_allocated:
            held[line.variant_id] += line.quantity_allocated
    if held:
        stocks = _lock_stocks(list(held))
        for variant_id, stock in stocks.items():
            release = min(held[variant_id], stock.quantity_allocated)
            Stock.objects.filter(pk=stock.pk).update(
                quantity_allocated=F("quantity_allocated") - release
            )
        _mark_dirty(list(held))
    _zero_allocations(lines)


def lines_consume(*, lines: list[OrderLine], user: Any = None, note: str = "") -> None:
    """The goods left the shop: quantity -= n and allocated -= n, recorded as a sale."""
    held: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.variant_id and line.quantity_allocated:
            held[line.variant_id] += line.quantity_allocated
    if held:
        stocks = _lock_stocks(list(held))
        movements = []
        for variant_id, stock in stocks.items():
            n = min(held[variant_id], stock.quantity_allocated)
            Stock.objects.filter(pk=stock.pk).update(
                quantity=F("quantity") - n, quantity_allocated=F("quantity_allocated") - n
            )
            movements.append(
                StockMovement(
                    stock=stock,
                    user=user if getattr(user, "is_authenticated", False) else None,
                    delta=-n,
                    quantity_after=stock.quantity - n,
                    reason=StockMovementReason.SALE,
                    note=note[:255],
                )
            )
        StockMovement.objects.bulk_create(movements)
        _mark_dirty(list(held))
    _zero_allocations(lines)


def _zero_allocations(lines: list[OrderLine]) -> None:
    ids = [line.pk for line in lines if line.quantity_allocated]
    if ids:
        OrderLine.objects.filter(pk__in=ids).update(quantity_allocated=0)
    for line in lines:
        line.quantity_allocated = 0
