"""Fixed-window counters in the shared "limits" cache (Redis, else the database cache), so that
every worker counts the same events. Rates read as 'count/[n]unit': '10/15m' is at most 10 in
each window of 15 minutes (units s, m, h, d)."""

from __future__ import annotations

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import caches

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/15m' → (10, 900)."""
    match = _RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"A rate is 'count/[n]unit' (unit s, m, h or d), not {rate!r}.")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]


def counter_key(scope: str, key: str, period: int) -> str:
    """The cache key of `key`'s counter in the current window."""
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    return f"rate:{scope}:{digest}:{period}:{int(time.time() // period)}"


def rate_limit_reached(*, scope: str, key: str, rate: str) -> bool:
    """Whether `key` has used up its events of this window (without counting one)."""
    limit, period = parse_rate(rate)
    return int(caches[settings.LIMITS_CACHE].get(counter_key(scope, key, period), 0)) >= limit


def rate_limit_record(*, scope: str, key: str, rate: str) -> None:
    """Count one event of `key` in this window."""
    _limit, period = parse_rate(rate)
    cache = caches[settings.LIMITS_CACHE]
    name = counter_key(scope, key, period)
    if not cache.add(name, 1, timeout=period + 1):
        try:
            cache.incr(name)
        except ValueError:  # expired between add and incr: a new window
            cache.add(name, 1, timeout=period + 1)


def rate_limit_hit(*, scope: str, key: str, rate: str) -> bool:
    """Count one event; True when it is beyond the rate (then it is refused, not counted)."""
    if rate_limit_reached(scope=scope, key=key, rate=rate):
        return True
    rate_limit_record(scope=scope, key=key, rate=rate)
    return False
