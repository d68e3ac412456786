"""The login limit: failed attempts are counted per account and per client address.

Counts live in the shared "limits" cache (marketplace.ratelimits: Redis when REDIS_URL is set,
else the database cache), so every worker sees the same numbers. Only failures count:

- per account (`LOGIN_RATE_LIMIT`, e.g. 10 failures per 15 minutes): that account's logins
  are refused until the window ends, from anywhere;
- per address (`LOGIN_ADDRESS_RATE_LIMIT`, higher): an address guessing many accounts is stopped,
  but one account's lock never refuses the other people behind the same address.

Every login path uses it: the API's tokenCreate and, through `ThrottledModelBackend`, the web
pages' session login and /admin/login/.
"""

from __future__ import annotations

from django.conf import settings

from marketplace.accounts.models import normalize_email
from marketplace.ratelimits import counter_key, parse_rate, rate_limit_reached, rate_limit_record


def _limits(*, email: str, address: str | None) -> list[tuple[str, str, str]]:
    # One count per account, however its email is written ("Client@…" is client@…).
    limits = [("login-account", normalize_email(email), settings.LOGIN_RATE_LIMIT)]
    if address:
        limits.append(("login-address", address, settings.LOGIN_ADDRESS_RATE_LIMIT))
    return limits


def login_throttled(*, email: str, address: str | None) -> bool:
    """Whether a login for this account from this address must be refused now."""
    return any(
        rate_limit_reached(scope=scope, key=key, rate=rate)
        for scope, key, rate in _limits(email=email, address=address)
    )


def login_failure_record(*, email: str, address: str | None) -> None:
    for scope, key, rate in _limits(email=email, address=address):
        rate_limit_record(scope=scope, key=key, rate=rate)


def _keys(*, email: str, address: str | None) -> list[tuple[str, int, int]]:
    """(cache key of this window, limit, period) of each counter (for tests that reset them)."""
    keys = []
    for scope, key, rate in _limits(email=email, address=address):
        limit, period = parse_rate(rate)
        keys.append((counter_key(scope, key, period), limit, period))
    return keys
