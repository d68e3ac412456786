"""/health/: is each service this instance depends on answering?"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from search.backends import get_backend


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured (Celery eager, local cache)"

    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    return "ok"


def _search() -> str:

    return get_backend().health()


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "redis": _redis, "search": _search}


@require_GET
def health(_request: HttpRequest) -> JsonResponse:
    report: dict[str, dict[str, object]] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail = check()
            report[name] = {"ok": True, "detail": detail}
        except Exception as error:
            healthy = False
            report[name] = {"ok": False, "detail": f"{type(error).__name__}: {error}"[:300]}
        report[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": report},
        status=200 if healthy else 503,
    )
