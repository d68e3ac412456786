"""Search tasks: take ids, are idempotent, call the indexing services."""

from __future__ import annotations

import logging

from celery import shared_task

from search.indexing import (
    search_build_town_if_missing,
    search_index_dirty,
    search_index_drain,
    search_sweep_dirty,
)
from search.query import SearchUnavailable

logger = logging.getLogger(__name__)


@shared_task(name="search.tasks.index_products", ignore_result=True)
def index_products(product_ids: list[int]) -> int:
    """Indexes these dirty products now (what writes queued before the drain `index_dirty`)."""
    try:
        return search_index_dirty(product_ids=product_ids)
    except SearchUnavailable:
        logger.warning(
            "search: engine unavailable; %d product(s) left for the sweeper", len(product_ids)
        )
        return 0


@shared_task(name="search.tasks.index_dirty", ignore_result=True)
def index_dirty() -> int:
    """Indexes every dirty product, in bulk (the drain asked for on commit by the writes)."""
    try:
        return search_index_drain()
    except SearchUnavailable:
        logger.warning("search: engine unavailable; the sweeper will index the queue")
        return 0


@shared_task(name="search.tasks.build_town_if_missing", ignore_result=True)
def build_town_if_missing(town_id: int) -> int:
    """A shop of the town was approved: its index is built if it has none (its first shop)."""
    try:
        built = search_build_town_if_missing(town_id=town_id)
    except SearchUnavailable:
        logger.warning("search: engine unavailable; the sweeper will build town %s", town_id)
        return 0
    return built.count if built else 0


@shared_task(name="search.tasks.sweep_dirty_products", ignore_result=True)
def sweep_dirty_products() -> int:
    """Beat: indexes whatever is still dirty (engine or broker outage, failed task)."""
    try:
        return search_sweep_dirty()
    except SearchUnavailable:
        logger.warning("search: engine unavailable; the sweeper will try again")
        return 0
