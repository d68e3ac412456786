"""The engine's query: French full text, filters, facets that ignore their own selection, near."""

from __future__ import annotations

from typing import Any

from search.query import PRICE_RANGES, Near, SearchRequest, SortBy

IN_STOCK_BOOST = 1.5
FACET_SIZE = 100


def text_query(text: str) -> dict[str, Any]:
    """Any of: fuzzy words in the main fields, words across all fields, prefixes, exact phrase."""
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": text,
                        "type": "best_fields",
                        "fields": ["name^4", "vendor_name^2.5", "category_names^2"],
                        # One typo from 5 letters, two from 9; the first 2 letters are right.
                        "fuzziness": "AUTO:5,9",
                        "prefix_length": 2,
                        "max_expansions": 10,
                        "operator": "and",
                    }
                },
                {
                    "multi_match": {
                        "query": text,
                        "type": "cross_fields",
                        "fields": ["name^4", "vendor_name^2.5", "category_names^2", "description"],
                        "operator": "and",
                        "boost": 1.5,
                    }
                },
                {
                    "multi_match": {
                        "query": text,
                        "type": "best_fields",
                        "fields": [
                            "name.prefix^3",
                            "vendor_name.prefix^2",
                            "category_names.prefix",
                        ],
                        "operator": "and",
                        "boost": 0.5,
                    }
                },
                {"match_phrase": {"name": {"query": text, "boost": 4}}},
                {"match_phrase": {"vendor_name": {"query": text, "boost": 3}}},
            ],
            "minimum_should_match": 1,
        }
    }


def facet_filters(request: SearchRequest) -> dict[str, dict[str, Any]]:
    """The user's selections, one filter per facet."""
    filters: dict[str, dict[str, Any]] = {}
    if request.categories:
        filters["categories"] = {"terms": {"category_slugs": list(request.categories)}}
    if request.vendors:
        filters["vendors"] = {"terms": {"vendor_slug": list(request.vendors)}}
    if request.price_min is not None or request.price_max is not None:
        bounds: dict[str, float] = {}
        if request.price_min is not None:
            bounds["gte"] = float(request.price_min)
        if request.price_max is not None:
            bounds["lte"] = float(request.price_max)
        filters["price"] = {"range": {"prices": bounds}}
    if request.in_stock is not None:
        filters["availability"] = {"term": {"in_stock": request.in_stock}}
    if request.fulfilment:
        filters["fulfilment"] = {"terms": {"fulfilment": list(request.fulfilment)}}
    return filters


def _all_but(filters: dict[str, dict[str, Any]], facet: str) -> dict[str, Any]:
    others = [clause for name, clause in filters.items() if name != facet]
    return {"bool": {"filter": others}} if others else {"match_all": {}}


def aggregations(
    filters: dict[str, dict[str, Any]], wanted: frozenset[str] | None = None
) -> dict[str, Any]:
    ranges = [
        {
            "key": f"{start if start is not None else ''}-{end if end is not None else ''}",
            **({"from": float(start)} if start is not None else {}),
            **({"to": float(end)} if end is not None else {}),
        }
        for start, end in PRICE_RANGES
    ]
    specs: dict[str, tuple[str, dict[str, Any]]] = {
        "categories": ("categories", {"terms": {"field": "category_slugs", "size": FACET_SIZE}}),
        "vendors": ("vendors", {"terms": {"field": "vendor_slug", "size": FACET_SIZE}}),
        "fulfilment": ("fulfilment", {"terms": {"field": "fulfilment", "size": 10}}),
        "availability": ("availability", {"terms": {"field": "in_stock", "size": 2}}),
        "price_ranges": ("price", {"range": {"field": "prices", "ranges": ranges}}),
    }
    return {
        name: {"filter": _all_but(filters, facet), "aggs": {"values": agg}}
        for name, (facet, agg) in specs.items()
        if wanted is None or name in wanted
    }


def _geo_filter(near: Near) -> dict[str, Any]:
    return {
        "geo_distance": {
            "distance": f"{near.radius_km}km",
            "location": {"lat": near.latitude, "lon": near.longitude},
        }
    }


def sort_clause(request: SearchRequest) -> list[Any]:
    tie = [{"name.sort": "asc"}, {"product_id": "asc"}]
    if request.sort_by is SortBy.DISTANCE and request.near is not None:
        near = request.near
        return [
            {
                "_geo_distance": {
                    "location": {"lat": near.latitude, "lon": near.longitude},
                    "order": "asc",
                    "unit": "km",
                }
            },
            "_score",
            *tie,
        ]
    if request.sort_by is SortBy.PRICE_ASC:
        return [{"price_min": "asc"}, "_score", *tie]
    if request.sort_by is SortBy.PRICE_DESC:
        return [{"price_min": "desc"}, "_score", *tie]
    return ["_score", *tie]


def build_body(request: SearchRequest) -> dict[str, Any]:
    scope: list[dict[str, Any]] = [{"term": {"town": request.town}}]
    if request.near is not None:
        scope.append(_geo_filter(request.near))
    text = request.query.strip()
    main: dict[str, Any] = {
        "bool": {"must": [text_query(text) if text else {"match_all": {}}], "filter": scope}
    }
    filters = facet_filters(request)
    body: dict[str, Any] = {
        "query": {
            "function_score": {
                "query": main,
                "functions": [{"filter": {"term": {"in_stock": True}}, "weight": IN_STOCK_BOOST}],
                "score_mode": "multiply",
                "boost_mode": "multiply",
            }
        },
        "sort": sort_clause(request),
        "from": request.offset,
        "size": request.limit,
        "track_total_hits": True,
        "_source": ["product_id", "location"],
    }
    aggs = aggregations(filters, request.facets)
    if aggs:
        body["aggs"] = aggs
    if filters:
        body["post_filter"] = {"bool": {"filter": list(filters.values())}}
    return body
