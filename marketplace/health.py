"""/health/: is each service this instance depends on answering? (503 when one is not.) And is
work piling up that a person should look at? (`status: degraded`, still 200: the web still serves.)"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from marketplace.core.outbox import FAILING_ATTEMPTS, outbox_backlog
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


def _outbox() -> str:
    backlog = outbox_backlog()
    detail = f"{backlog.undelivered} side effects waiting"
    if backlog.oldest_created_at is not None:
        minutes = (timezone.now() - backlog.oldest_created_at).total_seconds() // 60
        detail += f", the oldest for {minutes:.0f} min"
    if backlog.failing:
        raise RuntimeError(
            f"{backlog.failing} failed {FAILING_ATTEMPTS} times or more (see the admin's outbox "
            f"messages and their last error); {detail}"
        )
    return detail


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "redis": _redis, "search": _search}
# Failing, these leave the site up: the answer says "degraded" with a 200.
ADVISORIES: dict[str, Callable[[], str]] = {"outbox": _outbox}


def _run(check: Callable[[], str]) -> dict[str, object]:
    started = time.monotonic()
    try:
        result: dict[str, object] = {"ok": True, "detail": check()}
    except Exception as error:
        result = {"ok": False, "detail": f"{type(error).__name__}: {error}"[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


@require_GET
def health(_request: HttpRequest) -> JsonResponse:
    report = {name: _run(check) for name, check in CHECKS.items()}
    healthy = all(result["ok"] for result in report.values())
    advisories = {name: _run(check) for name, check in ADVISORIES.items()} if healthy else {}
    report.update(advisories)
    if not healthy:
        status = "unavailable"
    elif all(result["ok"] for result in advisories.values()):
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse({"status": status, "checks": report}, status=503 if not healthy else 200)
