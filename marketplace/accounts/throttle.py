"""The login limit: failed attempts are counted per account and per client address.

Counts live in the shared "limits" cache (Redis when REDIS_URL is set, else the database cache),
so every worker sees the same numbers. Only failures count, in fixed windows:

- per account (`LOGIN_RATE_LIMIT`, e.g. 10 failures per 15 minutes): that account's logins
  are refused until the window ends, from anywhere;
- per address (`LOGIN_ADDRESS_RATE_LIMIT`, higher): an address guessing many accounts is stopped,
  but one account's lock never refuses the other people behind the same address.

Every login path uses it: the API's tokenCreate and, through `ThrottledModelBackend`, the web
pages' session login and /admin/login/.
"""

from __future__ import annotations

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import caches

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")


def parse_rate(rate: str) -> tuple[int, int]:
    """'10/15m' → (10, 900): at most 10 in each window of 900 seconds."""
    match = _RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"A rate is 'count/[n]unit' (unit s, m, h or d), not {rate!r}.")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _UNITS[unit]


def _key(kind: str, value: str, period: int) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}:{period}:{int(time.time() // period)}"


def _keys(*, email: str, address: str | None) -> list[tuple[str, int, int]]:
    keys = []
    limit, period = parse_rate(settings.LOGIN_RATE_LIMIT)
    keys.append((_key("account", email, period), limit, period))
    if address:
        limit, period = parse_rate(settings.LOGIN_ADDRESS_RATE_LIMIT)
        keys.append((_key("address", address, period), limit, period))
    return keys


def login_throttled(*, email: str, address: str | None) -> bool:
    """Whether a login for this account from this address must be refused now."""
    cache = caches[settings.LIMITS_CACHE]
    keys = _keys(email=email, address=address)
    counts = cache.get_many([key for key, _limit, _period in keys])
    return any(counts.get(key, 0) >= limit for key, limit, _period in keys)


def login_failure_record(*, email: str, address: str | None) -> None:
    cache = caches[settings.LIMITS_CACHE]
    for key, _limit, period in _keys(email=email, address=address):
        if not cache.add(key, 1, timeout=period + 1):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr: a new window
                cache.add(key, 1, timeout=period + 1)
