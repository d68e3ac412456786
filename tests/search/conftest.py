"""Search fixtures: a private index prefix per test worker, towns loaded and indexed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from marketplace.towns.loading import load_towns
from marketplace.towns.models import Town
from search.backends.engine_index import get_client
from search.indexing import search_rebuild_town


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
