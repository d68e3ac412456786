"""Rendered fragments of the public pages kept in the cache (Redis in production).

Only parts that are the same for every visitor are cached: never the header (account, cart
count), a form (its CSRF token) or anything carrying a per-request value. A fragment's key holds
what it depends on: its town's or shop's version (`marketplace.core.page_cache`, renewed after
every catalogue write), the language, and whatever changes without a write (the minute, for
"open now"; the free stock, for reservations made or expiring). With the cache unreachable the
page is rendered as if nothing were cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def digest(value: Any) -> str:
    """A short stable fingerprint of a value's repr (for a key part that would be long)."""
    return hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()


def cached_fragment(
    *,
    name: str,
    version: Callable[[], str],
    parts: tuple[Any, ...],
    timeout: int,
    render: Callable[[], str],
) -> SafeString:
    """The fragment `name` for its current version, these key parts and the active language,
    rendered on a miss. The version is read before `render` reads the rows."""
    try:
        key = ":".join(
            ["fragment", name, version(), get_language() or "", *(str(part) for part in parts)]
        )
        html: str | None = cache.get(key)
    except RedisError:
        logger.warning("page cache unreachable: rendering %s", name, exc_info=True)
        return mark_safe(render())  # noqa: S308 (rendered by our own templates, escaped there)
    if html is None:
        html = render()
        try:
            cache.set(key, html, timeout)
        except RedisError:
            logger.warning("page cache unreachable: %s not kept", name, exc_info=True)
    return mark_safe(html)  # noqa: S308 (rendered by our own templates, escaped there)
