"""Rendered fragments of the public pages kept in the cache (Redis in production).

Only parts that are the same for every visitor are cached: never the header (account, cart
count), a form (its CSRF token) or anything carrying a per-request value. A fragment's key holds
what it depends on: the language and whatever changes without a write (the minute, for "open
now"; the free stock, for reservations made or expiring; a search's terms); it is kept with its
town's or shop's version (`marketplace.core.page_cache`, renewed after every catalogue write) and
used only while that version is current. With the cache unreachable the page is rendered as if
nothing were cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache, caches
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from redis.exceptions import RedisError

from marketplace.core.page_cache import page_version

logger = logging.getLogger(__name__)

T = TypeVar("T")


def digest(value: Any) -> str:
    """A short stable fingerprint of a value's repr (for a key part that would be long)."""
    return hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()


def cached_fragment(
    *,
    name: str,
    version_key: str,
    parts: tuple[Any, ...],
    timeout: int,
    render: Callable[[], str],
) -> SafeString:
    """The fragment `name` for the current version under `version_key`, these key parts and the
    active language, rendered on a miss."""
    html = cached_value(
        name=name, version_key=version_key, parts=parts, timeout=timeout, compute=render
    )
    return mark_safe(html)  # noqa: S308 (rendered by our own templates, escaped there)


def cached_value(
    *,
    name: str,
    version_key: str,
    parts: tuple[Any, ...],
    timeout: int,
    compute: Callable[[], T],
    fresh: Callable[[T], bool] | None = None,
    store: str = "default",
) -> T:
    """The value `name` (rendered fragments) for the current version under `version_key` (a
    `page_cache.*_version_key`), these key parts and the active language; computed on a miss,
    or when `fresh` says a cached one is out of date (for what changes without a write).

    The version and the value are read in one round trip (`get_many`): the value is kept with
    the version it was computed under, and only used when that is still the current one. The
    version is read before `compute` reads the rows, so a value computed from old rows can only
    be kept with the old version.

    `store` is the cache alias the value is kept in: "default" (Redis, shared by the workers),
    or "fragments-local" (each process, bounded in entries) for values keyed by what visitors
    type, which must not grow Redis without bound; the version always comes from Redis.
    """
    values = caches[store]
    key = ":".join(["fragment", name, get_language() or "", *(str(part) for part in parts)])
    try:
        if store == "default":
            found = cache.get_many([version_key, key])
            cached = found.get(key)
        else:
            found = {version_key: cache.get(version_key)}
            cached = values.get(key)
        version = page_version(key=version_key, found=found.get(version_key))
    except RedisError:
        logger.warning("page cache unreachable: computing %s", name, exc_info=True)
        return compute()
    if cached is not None and cached[0] == version and (fresh is None or fresh(cached[1])):
        value: T = cached[1]
        return value
    value = compute()
    try:
        values.set(key, (version, value), timeout)
    except RedisError:
        logger.warning("page cache unreachable: %s not kept", name, exc_info=True)
    return value
