"""The search backend in use: the engine (OpenSearch/Elasticsearch API) or the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.conf import settings

from search.query import SearchRequest, SearchResult


class SearchBackend(Protocol):
    name: str

    def health(self) -> str: ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def index(
        self,
        *,
        town_slug: str,
        documents: list[dict[str, Any]],
        delete_ids: list[int],
        version: int,
        refresh: bool = False,
    ) -> set[int]: ...

    def missing_towns(self, town_slugs: list[str]) -> list[str]: ...

    def rebuild(
        self,
        *,
        town_slug: str,
        documents: Iterable[dict[str, Any]],
        version: int,
        on_progress: Callable[[int], None] | None = None,
    ) -> tuple[str, int]: ...


_backends: dict[str, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend (settings.SEARCH_BACKEND: "engine" or "database"), or a named one."""
    name = name or settings.SEARCH_BACKEND
    if name not in _backends:
        # Imported when chosen: each backend imports the interface defined here (a cycle at the
        # top), and the database backend (the demo) never loads the engine's client.
        if name == "engine":
            from search.backends.engine import EngineBackend

            _backends[name] = EngineBackend()
        else:
            from search.backends.database import DatabaseBackend

            _backends[name] = DatabaseBackend()
    return _backends[name]
