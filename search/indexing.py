"""Keeping the search index in step with the catalogue.

Writes call `mark_products_dirty` / `mark_vendor_dirty` inside their transaction: that upserts
one `IndexQueue` row per product and, on commit, asks for the `search.tasks.index_dirty` drain
(`marketplace.core.drains`: at most one queued at a time, so under load one task indexes what
many writes marked, in bulk). The task rebuilds the documents from the database and writes them in
bulk (or deletes them: product deleted, shop not approved); a row leaves the queue only when the
engine acknowledged. If the engine or the broker is down, the rows stay, and the beat sweeper
(`search.tasks.sweep_dirty_products`, every 30 s) retries them: an outage loses nothing.

The drain is published to run SEARCH_INDEX_DELAY_SECONDS (default 1) after the commit that asked
for it, so that the writes of that second share it: each drain has a fixed cost (its queries, the
engine's round trips), and at checkout rates a drain per few orders re-indexed the same products
again and again (#16); what is marked while a drain runs waits for the next one, a second after
it (`search_index_drain`). The delay between a commit and its products in the index: that
second, then the time the worker takes to reach the drain (under load, up to one drain's run
and a second more); at most DRAIN_TTL (10) seconds more when a drain was lost (a worker
killed); with the broker down, the sweeper's 30 s. A town without an index gets one when a shop
of it is approved (`mark_town_opened`) or its towns file is loaded.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from marketplace.core.drains import drain_finished, drain_request, drains_coalesce
from marketplace.core.page_cache import (
    shop_pages_expire,
    shop_pages_keys,
    shop_pages_renew,
    shop_pages_renewed,
)
from marketplace.core.updates import (
    insert_updating_conflicts_statement,
    statements_run,
)
from marketplace.towns.models import Town
from search.backends import get_backend
from search.documents import build_documents, indexable_product_ids, iter_town_documents
from search.models import IndexQueue
from search.query import SearchUnavailable
from vendors.models import Product, Vendor

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000
# The drain asked for on commit: how many batches it indexes before leaving the worker to its
# other tasks (and asking for the next drain).
DRAIN = "search-index"
DRAIN_MAX_BATCHES = 10


def mark_products_dirty(
    *, product_ids: Iterable[int], shops: Mapping[int, tuple[int, int]] | None = None
) -> None:
    """Record that these products must be (re)indexed or removed from the index, and that the
    cached fragments of their shops' pages and towns' homes are old after the commit.

    A document says whether its shop has units of the product not sold yet, not how many (nor
    what carts hold), and the pages read stock themselves: a stock write marks its products only
    when a variant may run out or come back (an order that sells one out, a cancellation that
    brings one back, a shop's count that empties one or brings it back), never when some stay
    unsold (an order that leaves some, a cancellation of a variant still in stock, a count from
    10 to 12, a fulfilment).

    `shops`: {product id: (shop id, town id)} for all of them when the caller knows it (saves a
    query).
    """
    ids = sorted({int(pk) for pk in product_ids})
    if not ids:
        return
    if shops is None:
        shops = {
            pk: (vendor_id, town_id)
            for pk, vendor_id, town_id in Product.objects.filter(pk__in=ids).values_list(
                "pk", "vendor_id", "vendor__town_id"
            )
        }
    towns = {pk: town_id for pk, (_vendor_id, town_id) in shops.items()}
    # The pages' new versions are set after the commit, with the drain request (one round trip).
    pages = shop_pages_keys(
        town_ids=towns.values(), vendor_ids=[vendor_id for vendor_id, _town in shops.values()]
    )
    now = timezone.now()
    known = [
        IndexQueue(product_id=pk, town_id=towns[pk], marked_at=now) for pk in ids if pk in towns
    ]
    # A product deleted before being marked keeps the town its row already had.
    gone = [IndexQueue(product_id=pk, marked_at=now) for pk in ids if pk not in towns]
    # Marked again: tried afresh by the next drain (`attempts` counts failures since the mark).
    # Sorted ids: concurrent writers lock the queue rows in the same order. Each upsert is
    # compiled once per process, as bulk_create would write it.
    statements = [
        insert_updating_conflicts_statement(
            rows[start : start + SWEEP_BATCH], unique_fields=["product_id"], update_fields=fields
        )
        for rows, fields in (
            (known, ["marked_at", "town_id", "attempts"]),
            (gone, ["marked_at", "attempts"]),
        )
        for start in range(0, len(rows), SWEEP_BATCH)
    ]
    # One statement each, in turn (not joined: PostgreSQL runs a statement's parts in no set
    # order, and these must lock their rows in the order above).
    for statement in statements:
        statements_run(using=IndexQueue.objects.db, statements=[statement])
    transaction.on_commit(lambda: _enqueue(ids, pages=pages), robust=True)


def mark_town_opened(*, town_id: int) -> None:
    """A shop of the town was approved: after the commit, the town's index is built if it has
    none yet (its first shop), so its products are searchable on the engine at once."""
    transaction.on_commit(lambda: _enqueue_build(town_id), robust=True)


def _enqueue_build(town_id: int) -> None:
    # search.tasks imports this module (its tasks call these services): here to avoid the cycle.
    from search.tasks import build_town_if_missing

    try:
        build_town_if_missing.delay(town_id)
    except Exception:  # broker down: the sweeper builds the towns without an index
        logger.warning("search: could not queue a town's build; the sweeper will", exc_info=True)


def mark_vendor_dirty(*, vendor_id: int) -> None:
    """Record that every product of this shop must be (re)indexed (status, name, location...)
    and that its page and its town's home changed (also when it has no product)."""
    town_id = Vendor.objects.filter(pk=vendor_id).values_list("town_id", flat=True).first()
    if town_id is None:
        return
    shop_pages_expire(town_ids=[town_id], vendor_ids=[vendor_id])
    product_ids = list(Product.objects.filter(vendor_id=vendor_id).values_list("pk", flat=True))
    mark_products_dirty(
        product_ids=product_ids, shops=dict.fromkeys(product_ids, (vendor_id, town_id))
    )


def _enqueue(product_ids: list[int] | None, pages: Sequence[str] = ()) -> None:
    """Asks for the drain, with the new versions of the `pages` keys in its round trip (set
    after the commit, `marketplace.core.page_cache`); eager Celery (nothing queued): indexes
    these products now."""
    # search.tasks imports this module (its tasks call these services): here to avoid the cycle.
    from search.tasks import index_dirty, index_products

    try:
        if product_ids is not None and not drains_coalesce():
            for start in range(0, len(product_ids), SWEEP_BATCH):
                index_products.delay(product_ids[start : start + SWEEP_BATCH])
        else:
            delay = settings.SEARCH_INDEX_DELAY_SECONDS
            drain_request(
                DRAIN,
                lambda: index_dirty.apply_async(countdown=delay),
                with_values=shop_pages_renewed(keys=pages),
            )
            pages = ()  # set with the request (the cache down: it logged, and so would this)
    except Exception:  # broker down: the sweeper will find the rows
        logger.warning("search: could not queue indexing; the sweeper will retry", exc_info=True)
    if pages:
        shop_pages_renew(keys=pages)


def search_index_drain(*, max_batches: int = DRAIN_MAX_BATCHES) -> int:
    """The drain asked for on commit: indexes the queue's rows never tried since they were
    marked, oldest first, a batch at a time while the batches come full (a backlog: up to
    `max_batches`); a row that failed waits for the sweeper. Returns how many were indexed.

    Rows marked while it ran, or left past `max_batches`, get the next drain, published with
    the delay (SEARCH_INDEX_DELAY_SECONDS): under a steady flow of writes, one bulk per delay
    takes what they marked meanwhile. Indexing them at once, batch after batch until the queue
    was empty, made a bulk of the few marked during the previous one (under checkout load, two
    or three bulks a second re-indexing the same products: the engine's CPU, #16).

    Raises SearchUnavailable (the rows stay for the sweeper).
    """
    done = 0
    try:
        for _ in range(max_batches):
            count = search_index_dirty(fresh=True)
            done += count
            if count < SWEEP_BATCH:
                break
    finally:
        drain_finished(DRAIN)
    # After the flag is cleared: a row committed before that (its writer's request was a
    # no-op) is seen here; one committed after has asked for its own drain.
    if IndexQueue.objects.filter(attempts=0).exists():
        _enqueue(None)
    return done


def search_index_dirty(
    *, product_ids: Iterable[int] | None = None, refresh: bool = False, fresh: bool = False
) -> int:
    """Indexes queued products (these ids, or the oldest batch); returns how many were done.
    `fresh`: only those never tried since they were marked.

    Raises SearchUnavailable when the engine cannot be reached (rows stay queued).
    """
    queue = IndexQueue.objects.order_by("marked_at", "product_id")
    if product_ids is not None:
        queue = queue.filter(product_id__in=list(product_ids))
    if fresh:
        queue = queue.filter(attempts=0)
    rows = list(queue.values_list("product_id", "town_id", "marked_at")[:SWEEP_BATCH])
    if not rows:
        return 0
    # The version is the time of the read: a later read always wins in the engine.
    version = time.time_ns() // 1000
    documents = build_documents([pk for pk, _, _ in rows])
    town_slugs = dict(Town.objects.values_list("pk", "slug"))
    by_town: dict[str, tuple[list[dict[str, Any]], list[int]]] = defaultdict(lambda: ([], []))
    for pk, town_id, _ in rows:
        if pk in documents:
            by_town[documents[pk]["town"]][0].append(documents[pk])
        elif town_id in town_slugs:
            by_town[town_slugs[town_id]][1].append(pk)
        else:  # unknown town: remove it everywhere
            for slug in town_slugs.values():
                by_town[slug][1].append(pk)
    backend = get_backend()
    failed: set[int] = set()
    try:
        for town_slug, (docs, deletions) in by_town.items():
            failed |= backend.index(
                town_slug=town_slug,
                documents=docs,
                delete_ids=deletions,
                version=version,
                refresh=refresh,
            )
    except SearchUnavailable as error:
        with transaction.atomic():
            _queue_locked(Q(product_id__in=[pk for pk, _, _ in rows])).update(
                attempts=F("attempts") + 1, last_error=str(error)[:255]
            )
        raise
    _dequeue([(pk, marked_at) for pk, _, marked_at in rows if pk not in failed])
    if failed:
        with transaction.atomic():
            _queue_locked(Q(product_id__in=failed)).update(
                attempts=F("attempts") + 1, last_error="rejected by the engine"
            )
    return len(rows) - len(failed)


def _queue_locked(rows: Q) -> QuerySet[IndexQueue]:
    """The queue's rows that match, locked in product order, for the caller's transaction.

    Every writer takes the queue's rows in that order (`mark_products_dirty` upserts sorted
    ids), so a drain changing many rows never holds one that a checkout waits for while it waits
    for another that checkout holds: a deadlock, which failed a checkout under load when the
    drain's DELETE took the rows in the table's physical order.
    """
    locked = (
        IndexQueue.objects.filter(rows)
        .order_by("product_id")
        .select_for_update()
        .values_list("product_id", flat=True)
    )
    return IndexQueue.objects.filter(product_id__in=list(locked))


# Marks (one per write that marked) removed per DELETE: a drain's batch spans many writes.
DEQUEUE_MARKS = 100


def _dequeue(done: list[tuple[int, datetime]]) -> None:
    """Removes rows not marked again since they were read (a newer mark stays queued)."""
    by_mark: dict[datetime, list[int]] = defaultdict(list)
    for pk, marked_at in done:
        by_mark[marked_at].append(pk)
    marks = list(by_mark.items())
    for start in range(0, len(marks), DEQUEUE_MARKS):
        read_as = Q()
        for marked_at, ids in marks[start : start + DEQUEUE_MARKS]:
            read_as |= Q(product_id__in=ids, marked_at=marked_at)
        with transaction.atomic():
            _queue_locked(read_as).delete()


def search_sweep_dirty(*, max_batches: int = 50) -> int:
    """Builds the towns never indexed, then indexes everything still queued, batch after batch.

    Raises SearchUnavailable.
    """
    for town_slug in get_backend().missing_towns(list(Town.objects.values_list("slug", flat=True))):
        search_rebuild_town(town_slug=town_slug)
    done = 0
    for _ in range(max_batches):
        count = search_index_dirty()
        done += count
        if count == 0:
            break
    return done


def search_rebuild_town(
    *,
    town_slug: str,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[str, int]:
    """Rebuilds a town's index into a new version and swaps the alias. Returns (index, count)."""
    town = Town.objects.get(slug=town_slug)
    version = time.time_ns() // 1000
    if on_start is not None:
        on_start(len(indexable_product_ids(town_id=town.pk)))
    return get_backend().rebuild(
        town_slug=town.slug,
        documents=iter_town_documents(town_id=town.pk),
        version=version,
        on_progress=on_progress,
    )


@dataclass(frozen=True)
class TownIndexed:
    town_slug: str
    index: str
    count: int


def search_build_town_if_missing(*, town_id: int) -> TownIndexed | None:
    """Builds the town's index when it has none and has products to show. Raises
    SearchUnavailable."""
    town_slug = Town.objects.filter(pk=town_id).values_list("slug", flat=True).first()
    if town_slug is None or not indexable_product_ids(town_id=town_id):
        return None
    built = search_index_towns(town_slugs=[town_slug], only_missing=True)
    return built[0] if built else None


def search_index_towns(*, town_slugs: list[str], only_missing: bool = False) -> list[TownIndexed]:
    """Builds these towns' indices (all, or only those without one) on the engine; [] on the
    database backend. Called after a load has committed. Raises SearchUnavailable.
    """
    backend = get_backend()
    if backend.name != "engine":
        return []
    if only_missing:
        town_slugs = backend.missing_towns(town_slugs)
    built = []
    for slug in town_slugs:
        index, count = search_rebuild_town(town_slug=slug)
        built.append(TownIndexed(town_slug=slug, index=index, count=count))
    return built
