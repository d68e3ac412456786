"""The engine backend: OpenSearch 2.x (Elasticsearch API) through opensearch-py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import NotFoundError, TransportError

from search.backends import engine_index
from search.backends.engine_query import build_body
from search.query import (
    IN_STOCK,
    OUT_OF_STOCK,
    Facets,
    FacetValue,
    Hit,
    PriceRangeFacet,
    SearchRequest,
    SearchResult,
    SearchUnavailable,
    haversine_km,
)


class EngineBackend:
    name = "engine"

    def health(self) -> str:
        client = engine_index.get_client(timeout=3)
        return str(client.cluster.health()["status"])

    def search(self, request: SearchRequest) -> SearchResult:
        client = engine_index.get_client(timeout=5)
        try:
            # The shard request cache keeps whole answers until the index changes (refresh):
            # popular queries and browsing are answered from memory.
            response = client.search(
                index=engine_index.alias_name(request.town),
                body=build_body(request),
                request_cache=True,
            )
        except NotFoundError as error:
            raise SearchUnavailable(f"no index for town {request.town!r}") from error
        except (EngineConnectionError, TransportError) as error:
            raise SearchUnavailable(str(error)) from error
        return _result(request, response)

    def index(
        self,
        *,
        town_slug: str,
        documents: list[dict[str, Any]],
        delete_ids: list[int],
        version: int,
        refresh: bool = False,
    ) -> set[int]:
        """Writes documents and deletions; returns the ids that failed. Raises SearchUnavailable."""
        try:
            return engine_index.write(
                engine_index.get_client(timeout=30),
                town_slug,
                documents=documents,
                delete_ids=delete_ids,
                version=version,
                refresh=refresh,
            )
        except (EngineConnectionError, TransportError) as error:
            raise SearchUnavailable(str(error)) from error

    def missing_towns(self, town_slugs: list[str]) -> list[str]:
        """The towns that have no index yet. Raises SearchUnavailable."""
        try:
            indexed = engine_index.indexed_towns(engine_index.get_client(timeout=10), town_slugs)
        except (EngineConnectionError, TransportError) as error:
            raise SearchUnavailable(str(error)) from error
        return [slug for slug in town_slugs if slug not in indexed]

    def rebuild(
        self,
        *,
        town_slug: str,
        documents: Iterable[dict[str, Any]],
        version: int,
        on_progress: Callable[[int], None] | None = None,
    ) -> tuple[str, int]:
        """Raises SearchUnavailable."""
        try:
            return engine_index.rebuild_town(
                engine_index.get_client(timeout=60),
                town_slug,
                documents,
                version=version,
                on_progress=on_progress,
            )
        except (EngineConnectionError, TransportError) as error:
            raise SearchUnavailable(str(error)) from error


def _values(aggregations: dict[str, Any], name: str) -> list[dict[str, Any]]:
    if name not in aggregations:  # not asked for
        return []
    return list(aggregations[name]["values"]["buckets"])


def _result(request: SearchRequest, response: dict[str, Any]) -> SearchResult:
    hits = []
    for hit in response["hits"]["hits"]:
        source = hit["_source"]
        distance = None
        location = source.get("location")
        if request.near is not None and location:
            distance = round(
                haversine_km(
                    request.near.latitude, request.near.longitude, location["lat"], location["lon"]
                ),
                3,
            )
        hits.append(Hit(product_id=int(source["product_id"]), distance_km=distance))
    aggs = response.get("aggregations", {})
    availability = {
        IN_STOCK if bucket["key"] in (1, True, "true") else OUT_OF_STOCK: bucket["doc_count"]
        for bucket in _values(aggs, "availability")
    }
    facets = Facets(
        categories=[FacetValue(b["key"], b["doc_count"]) for b in _values(aggs, "categories")],
        vendors=[FacetValue(b["key"], b["doc_count"]) for b in _values(aggs, "vendors")],
        fulfilment=[FacetValue(b["key"], b["doc_count"]) for b in _values(aggs, "fulfilment")],
        availability=[FacetValue(key, availability.get(key, 0)) for key in (IN_STOCK, OUT_OF_STOCK)]
        if "availability" in aggs
        else [],
        price_ranges=[
            PriceRangeFacet(
                start=Decimal(str(b["from"])).quantize(Decimal("1")) if "from" in b else None,
                end=Decimal(str(b["to"])).quantize(Decimal("1")) if "to" in b else None,
                count=b["doc_count"],
            )
            for b in _values(aggs, "price_ranges")
        ],
    )
    return SearchResult(
        total=int(response["hits"]["total"]["value"]), hits=hits, facets=facets, backend="engine"
    )
