"""Shared fixtures: the GraphQL client, users with tokens, the demo data file, eager Celery and
the payment gateways (Stripe on stripe-mock, or the dummy one)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from marketplace.celery import app as celery_app
from marketplace.core import inserts
from tests.factories import UserFactory
from tests.helpers import GraphQLClient
from tests.payments.helpers import STRIPE_MOCK, WEBHOOK_SECRET

TOWNS_FILE = Path(__file__).resolve().parent.parent / "marketplace" / "demo" / "towns.json"


def pytest_configure(config: pytest.Config) -> None:
    """Parallel test workers share one Redis: each keeps its cache keys (login and checkout-creation
    counters, rate limits) under its own prefix, so one worker's failed logins never lock another's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    for alias, cache in django_settings.CACHES.items():
        cache["KEY_PREFIX"] = f"test-{os.getpid()}-{worker}-{alias}"


# The database named by the settings, before any test session renamed it to its test database.
DATABASE_NAME = django_settings.DATABASES["default"]["NAME"]


def _mutmut_slot() -> tuple[int, int] | None:
    """A mutant's run under `mutmut run --max-children N` (MUTANT_UNDER_TEST names a mutant): the
    first free slot, held by a lock file until this process ends. MUTMUT_DB_SLOT forces one."""
    forced = os.environ.get("MUTMUT_DB_SLOT")
    if forced is None and "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return None
    slot = int(forced or 0)
    while True:
        path = Path(tempfile.gettempdir()) / f"{DATABASE_NAME}.mutmut-slot-{slot}.lock"
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if forced else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            slot += 1
            continue
        return slot, fd


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
) -> Iterator[None]:
    """`make mutation` runs several test sessions in one process, then mutants at the same time
    in forks of it. --reuse-db leaves the settings naming the test database after a session: the
    next one would make test_test_<name>. So under mutmut each session starts from the settings'
    name, and each mutant running at once takes its own database (slot 0: test_<name>, slot n:
    test_<name>_mutmut<n>, kept between runs), never seeing another's rows or flushes."""
    db = django_settings.DATABASES["default"]
    if "MUTANT_UNDER_TEST" not in os.environ and "MUTMUT_DB_SLOT" not in os.environ:
        yield
        return
    taken = _mutmut_slot() if db["ENGINE"].endswith("postgresql") else None
    suffix = f"_mutmut{taken[0]}" if taken is not None and taken[0] > 0 else ""
    db["NAME"] = DATABASE_NAME
    db.setdefault("TEST", {})["NAME"] = f"test_{DATABASE_NAME}{suffix}"
    yield
    if taken is not None:
        os.close(taken[1])


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit counters (logins, new checkouts) never carry over from one test to the next."""
    cache = caches[django_settings.LIMITS_CACHE]
    redis = getattr(getattr(cache, "_cache", None), "get_client", None)
    if redis is None:
        return  # the database cache: its table is rolled back with each test
    client = redis(write=True)
    keys = list(client.scan_iter(f"{cache.key_prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> None:
    """Cached page fragments and their versions never carry over from one test to the next (a
    test's rows are rolled back, its fragments would not be)."""
    caches["local"].clear()  # this process's towns
    caches["fragments-local"].clear()  # and its search results
    cache = caches["default"]
    redis = getattr(getattr(cache, "_cache", None), "get_client", None)
    if redis is None:
        cache.clear()  # local memory: this process's own
        return
    client = redis(write=True)
    keys = list(client.scan_iter(f"{cache.key_prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def gql(client: Client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
def customer(db: Any) -> Any:
    return UserFactory(email="client@example.org")


@pytest.fixture
def towns_data() -> dict[str, Any]:
    return json.loads(TOWNS_FILE.read_text(encoding="utf-8"))


def _forget_eager_override() -> None:
    """Drops an `app.conf.task_always_eager` written by earlier code, if any."""
    with contextlib.suppress(KeyError):
        del celery_app.conf.changes["task_always_eager"]


@pytest.fixture
def eager(settings: Any) -> Iterator[None]:
    """Celery eager for this test. Celery reads Django's settings live, so setting it there is
    enough (writing `app.conf` would shadow the setting for every later test)."""
    _forget_eager_override()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    _forget_eager_override()
    # Eager tasks run in several threads at once (concurrency tests) save and restore Celery's
    # process-wide "inside a task" flag out of order: put it back as a fresh process has it.
    _set_task_join_will_block(False)


@pytest.fixture
def stripe(settings: Any, eager: None) -> Any:
    """The Stripe gateway on stripe-mock, with a known webhook secret."""
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_API_BASE = STRIPE_MOCK
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.TRANSFER_TRIGGER = "fulfilment"
    return settings


@pytest.fixture
def dummy(settings: Any, eager: None) -> Any:
    settings.PAYMENT_GATEWAY = "dummy"
    settings.TRANSFER_TRIGGER = "fulfilment"
    return settings


@pytest.fixture
def no_keys_drawn_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection has drawn no new rows' keys ahead yet, as a new one
    (`marketplace.core.inserts`): what a test counts does not depend on the tests before it."""
    monkeypatch.setattr(inserts, "_KEYS_AHEAD", weakref.WeakKeyDictionary())
