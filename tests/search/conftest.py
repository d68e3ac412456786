"""Search fixtures: a private index prefix per test worker, towns loaded and indexed."""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

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


# Engine tests share this lock; the outage test takes it alone, so that stopping the engine never
# breaks an engine test of another xdist worker or of another run on this machine.
ENGINE_LOCK = Path(tempfile.gettempdir()) / "marketplace-search-engine-tests.lock"


@contextmanager
def engine_lock(*, exclusive: bool) -> Iterator[None]:
    with ENGINE_LOCK.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _private_indices(settings: Any, worker_id: str) -> Iterator[Any]:
    settings.SEARCH_BACKEND = "engine"
    settings.SEARCH_INDEX_PREFIX = f"{django_settings.SEARCH_INDEX_PREFIX}-test-{worker_id}"
    client = get_client()
    pattern = f"{settings.SEARCH_INDEX_PREFIX}-*"
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    yield client
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)


@pytest.fixture
def engine(settings: Any, worker_id: str) -> Iterator[Any]:
    """The real engine, with indices of this test only (deleted afterwards)."""
    with engine_lock(exclusive=False):
        yield from _private_indices(settings, worker_id)


@pytest.fixture
def engine_alone(settings: Any, worker_id: str) -> Iterator[Any]:
    """The real engine, no other engine test running meanwhile (the test may stop it)."""
    with engine_lock(exclusive=True):
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


def search(gql: Any, town: str, query: str = "", **variables: Any) -> dict[str, Any]:
    return gql.execute(SEARCH_QUERY, {"town": town, "query": query, **variables})["search"]


def names(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["product"]["name"] for edge in result["edges"]]
