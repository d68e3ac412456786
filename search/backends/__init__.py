"""The search backend in use: the engine (OpenSearch/Elasticsearch API) or the database."""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings


class SearchBackend(Protocol):
    def health(self) -> str: ...


class DatabaseBackend:
    def health(self) -> str:
        return "database backend"


class EngineBackend:
    def health(self) -> str:
        from opensearchpy import OpenSearch

        client = OpenSearch(hosts=[settings.SEARCH_URL], timeout=3)
        return str(client.cluster.health()["status"])


@cache
def get_backend() -> SearchBackend:
    if settings.SEARCH_BACKEND == "engine":
        return EngineBackend()
    return DatabaseBackend()
