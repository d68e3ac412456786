"""Versions of the public pages' cached fragments (a town's home, a shop's page).

A fragment is cached under its town's (and shop's) version. A write that changes what those
pages show (a product, a price, stock, publication, a shop's profile, status or delivery fees)
calls `shop_pages_expire` in its transaction: catalogue writes all go through the search dirty
queue (`search.indexing.mark_products_dirty` / `mark_vendor_dirty`), which calls it, so there is
one place (`mark_products_dirty` sets the new versions after its commit with its drain request,
in one round trip: `shop_pages_keys`, `shop_pages_renewed`). After the commit each town and
shop concerned gets a new random version: fragments cached under the old one are never read
again and expire on their own.

The new version is written only after the commit, and a page reads the version before its data:
a fragment rendered from the old rows can only be stored under the old version.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _town_key(town_id: int) -> str:
    return f"pages:version:town:{town_id}"


def _shop_key(vendor_id: int) -> str:
    return f"pages:version:shop:{vendor_id}"


def shop_pages_expire(*, town_ids: Iterable[int], vendor_ids: Iterable[int]) -> None:
    """After the commit, the fragments of these towns' homes and these shops' pages are old."""
    keys = shop_pages_keys(town_ids=town_ids, vendor_ids=vendor_ids)
    if keys:
        transaction.on_commit(lambda: shop_pages_renew(keys=keys), robust=True)


def shop_pages_keys(*, town_ids: Iterable[int], vendor_ids: Iterable[int]) -> list[str]:
    """The version keys of these towns' homes and these shops' pages (`shop_pages_renewed`)."""
    keys = [_town_key(pk) for pk in sorted(set(town_ids))]
    keys += [_shop_key(pk) for pk in sorted(set(vendor_ids))]
    return keys


def shop_pages_renewed(*, keys: Iterable[str]) -> dict[str, str]:
    """New versions for these keys, for a caller to set (without expiry) after its commit with
    a cache write of its own in the same round trip (`search.indexing.mark_products_dirty`: its
    drain request); `shop_pages_renew` sets them on their own."""
    return {key: uuid.uuid4().hex for key in keys}


def shop_pages_renew(*, keys: Iterable[str]) -> None:
    """Sets new versions for these keys: call after the commit."""
    cache.set_many(shop_pages_renewed(keys=keys), timeout=None)


def town_page_version(*, town_id: int) -> str:
    """The current version of a town's home."""
    return page_version(key=_town_key(town_id))


def shop_page_version(*, vendor_id: int) -> str:
    """The current version of a shop's page."""
    return page_version(key=_shop_key(vendor_id))


def town_version_key(*, town_id: int) -> str:
    """The cache key of a town's version, to read it with its fragment in one round trip."""
    return _town_key(town_id)


def shop_version_key(*, vendor_id: int) -> str:
    """The cache key of a shop's version, to read it with its fragment in one round trip."""
    return _shop_key(vendor_id)


def page_version(*, key: str, found: str | None = None) -> str:
    """The version under `key` (a `*_version_key`): `found` when the caller read it already
    (with `cache.get_many`), else read now; created when missing."""
    if found is None:
        found = cache.get(key)
    if found is None:
        # Never set, or evicted: a new random version (no old fragment can match it).
        cache.add(key, uuid.uuid4().hex, timeout=None)
        found = cache.get(key)
    return str(found)
