"""Shared fixtures: the GraphQL client, users with tokens, and the demo data file."""

from __future__ import annotations

import json
import os
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


@pytest.fixture
def gql(client: Client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
def customer(db: Any) -> Any:
    return UserFactory(email="client@example.org")


@pytest.fixture
def towns_data() -> dict[str, Any]:
    return json.loads(TOWNS_FILE.read_text(encoding="utf-8"))
