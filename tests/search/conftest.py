"""Search fixtures: a private index prefix per test worker, towns loaded and indexed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from marketplace.towns.loading import load_towns
from marketplace.towns.models import Town
from search.backends.engine_index import get_client
from search.indexing import search_rebuild_town

SEARCH_QUERY = """
query Search($town: String!, $query: String, $filter: SearchFilterInput, $near: SearchNearInput,
             $sortBy: SearchSortBy, $first: Int, $after: String) {
  search(town: $town, query: $query, filter: $filter, near: $near, sortBy: $sortBy,
         first: $first, after: $after) {
    totalCount
    backend
    facets {
      categories { value label count }
      vendors { value label count }
      fulfilment { value label count }
      availability { value label count }
      priceRanges { value start end count }
    }
    edges { cursor node { distanceKm product { id slug name vendor { slug } } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): an unreachable engine."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_indices(settings: Any, worker_id: str) -> Iterator[Any]:
    settings.SEARCH_BACKEND = "engine"
    # Named after the test database too: two runs on this machine (each with its own database)
    # never delete each other's indices.
    database = str(connection.settings_dict["NAME"]).lower()
    settings.SEARCH_INDEX_PREFIX = (
        f"{django_settings.SEARCH_INDEX_PREFIX}-test-{database}-{worker_id}"
    )
    client = get_client()
    pattern = f"{settings.SEARCH_INDEX_PREFIX}-*"
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    yield client
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)


@pytest.fixture
def engine(settings: Any, worker_id: str) -> Iterator[Any]:
    """The real engine, with indices of this test only (deleted afterwards)."""
    yield from _private_indices(settings, worker_id)


@pytest.fixture
def towns(db: Any, towns_data: dict[str, Any]) -> dict[str, Town]:
    load_towns(towns_data)
    return {town.slug: town for town in Town.objects.all()}


@pytest.fixture
def indexed(engine: Any, towns: dict[str, Town]) -> dict[str, Town]:
    for slug in towns:
        search_rebuild_town(town_slug=slug)
    return towns


def search(
    gql: Any, town: str, query: str = "", *, answered_by: str | None = None, **variables: Any
) -> dict[str, Any]:
    """The search's result, after checking which backend answered it: the configured one
    (SEARCH_BACKEND) unless `answered_by` says otherwise ("ENGINE" or "DATABASE"). So an engine
    test fails when the engine did not answer, even if the database fallback found the same."""
    result = gql.execute(SEARCH_QUERY, {"town": town, "query": query, **variables})["search"]
    expected = answered_by or str(django_settings.SEARCH_BACKEND).upper()
    assert result["backend"] == expected, f"answered by {result['backend']}, not {expected}"
    return result


def names(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["product"]["name"] for edge in result["edges"]]
