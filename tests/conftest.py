"""Shared fixtures: the GraphQL client, users with tokens, and the demo data file."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from marketplace.accounts.tokens import create_access_token
from tests.factories import UserFactory

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


class GraphQLClient:
    """Posts to /graphql/ like a real client; `token` adds Authorization: Bearer."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.token: str | None = None

    def login(self, user: Any) -> GraphQLClient:
        self.token = create_access_token(user)
        return self

    def logout(self) -> GraphQLClient:
        self.token = None
        return self

    def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, expect_errors: bool = False
    ) -> dict[str, Any]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body if expect_errors else body["data"]


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
