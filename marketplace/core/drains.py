"""One Celery message at a time to drain a queue kept in the database (coalesced deliveries).

A table-backed queue (the outbox, the search dirty queue) needs a worker to take what is due.
Publishing one Celery message per committed row costs the worker Celery's own overhead and the
task's fixed queries for every row; instead, a commit asks for a drain (`drain_request`), and
a drain already queued and not yet finished makes that request a no-op: the drain, when it
runs, takes everything committed before it ends. So under load one Celery message takes many
rows, and when idle each commit still gets its own drain at once.

The flag is a cache key added atomically (`cache.add`) with a time to live; the drain clears it
when it has found its queue empty (`drain_finished`) and then looks once more, so that a row
committed while the flag was still set is never left behind. When the flag outlives a lost
drain (a worker killed) the rows wait for the time to live or for the queue's beat sweep, which
bounds the delay; the cache or the broker down: the request publishes anyway or leaves the rows
to the sweep. Eager Celery (tests, the demo) has no queue to coalesce (`drains_coalesce` is
False): callers then run each commit's own rows at once, as before batching.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from celery import current_app
from django.core.cache import cache, caches
from django.db import connection

from marketplace.core.redis_cache import cache_add_setting_many

logger = logging.getLogger(__name__)


# A drain queued and not started within this is taken as lost: the next request publishes
# another (a duplicate drain finds little to do, and claims rows only with its own statement).
DRAIN_TTL = 10


def _key(name: str) -> str:
    # Per database and queue: deployments (or test databases) sharing a Redis, and workers of
    # other queues, never share a flag.
    queue = current_app.conf.task_default_queue
    return f"drain:{connection.settings_dict['NAME']}:{queue}:{name}"


def drains_coalesce() -> bool:
    """False when Celery runs tasks at once (eager): nothing is queued to coalesce."""
    return not current_app.conf.task_always_eager


def drain_request(
    name: str, publish: Callable[[], object], *, with_values: Mapping[str, Any] | None = None
) -> bool:
    """Publishes the drain `name` unless one is queued and not finished; True if published.

    A queued drain is trusted to come for DRAIN_TTL seconds; past it a new one is published.
    `publish` raising (the broker down) clears the flag and is re-raised. `with_values`: cache
    values the caller sets after the same commit (without expiry), in the flag's round trip.
    """
    try:
        added = cache_add_setting_many(
            caches["default"], _key(name), 1, DRAIN_TTL, values=with_values or {}
        )
        if not added:
            return False
    except Exception:  # the cache down: publish, as without coalescing
        logger.warning("drain %s: cache unavailable, publishing anyway", name, exc_info=True)
    try:
        publish()
    except Exception:
        drain_finished(name)
        raise
    return True


def drain_finished(name: str) -> None:
    """The drain `name` found its queue empty: the next request publishes again. The caller
    then looks at its queue once more (a row committed just before this is its own)."""
    try:
        cache.delete(_key(name))
    except Exception:  # the flag expires on its own
        logger.warning("drain %s: could not clear its flag", name, exc_info=True)
