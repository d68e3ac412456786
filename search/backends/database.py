"""The database backend (demo, SQLite or PostgreSQL): same interface, computed in Python.

Documents are built from the database with the engine's own builder, then matched on folded
text (no accents, no elisions, light plural stripping, prefixes, and the engine's typo tolerance:
one letter changed, added, removed, or two neighbours swapped, on words of 5+ letters).
Good for a town's demo catalogue; the engine is the production path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from marketplace.towns.models import Town
from search.documents import build_documents, indexable_product_ids
from search.query import (
    IN_STOCK,
    OUT_OF_STOCK,
    PRICE_RANGES,
    Facets,
    FacetValue,
    Hit,
    PriceRangeFacet,
    SearchRequest,
    SearchResult,
    SortBy,
    fold,
    haversine_km,
)

STOPWORDS = {
    "a", "au", "aux", "avec", "de", "des", "du", "en", "et", "la", "le", "les", "l", "d",
    "pour", "sur", "un", "une", "ou",
}  # fmt: skip
FIELD_WEIGHTS = (("name", 4.0), ("vendor_name", 2.5), ("category_names", 2.0), ("description", 1.0))
IN_STOCK_BOOST = 1.5


def stem(word: str) -> str:
    if len(word) > 3 and word.endswith(("s", "x")):
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(w) for w in fold(text).split() if w not in STOPWORDS]


FUZZY_MIN_LENGTH = 5  # as the engine's "fuzziness": "AUTO:5,9"
FUZZY_PREFIX = 2  # as its "prefix_length": the first letters are right


def one_edit_apart(a: str, b: str) -> bool:
    """At most one edit: a letter changed, added, removed, or two neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):  # one letter added in b at `start`
        return a[start:] == b[start + 1 :]
    rest = start + 1
    if a[rest:] == b[rest:]:  # one letter changed
        return True
    # two neighbours swapped
    return a[start : rest + 1] == b[start : rest + 1][::-1] and a[rest + 1 :] == b[rest + 1 :]


def typo_of(word: str, other: str) -> bool:
    """The engine's typo tolerance: one edit on words of 5+ letters, the first 2 letters right."""
    return (
        len(word) >= FUZZY_MIN_LENGTH
        and word[:FUZZY_PREFIX] == other[:FUZZY_PREFIX]
        and one_edit_apart(word, other)
    )


def _word_score(word: str, field_words: set[str], *, fuzzy: bool) -> float:
    if word in field_words:
        return 1.0
    if len(word) >= 2 and any(w.startswith(word) for w in field_words):
        return 0.7
    if fuzzy and any(typo_of(word, w) for w in field_words):
        return 0.5
    return 0.0


def score(query_words: list[str], document: dict[str, Any]) -> float:
    fields = document["_words"]
    total = 0.0
    for word in query_words:
        best = max(
            weight * _word_score(word, fields[name], fuzzy=name != "description")
            for name, weight in FIELD_WEIGHTS
        )
        if best == 0:
            return 0.0
        total += best
    return total


def _document_words(document: dict[str, Any]) -> dict[str, set[str]]:
    return {
        "name": set(words(document["name"])),
        "vendor_name": set(words(document["vendor_name"])),
        "category_names": set(words(" ".join(document["category_names"]))),
        "description": set(words(document["description"])),
    }


Predicate = Callable[[dict[str, Any]], bool]


def _facet_predicates(request: SearchRequest) -> dict[str, Predicate]:
    predicates: dict[str, Predicate] = {}
    if request.categories:
        wanted = set(request.categories)
        predicates["categories"] = lambda d: bool(wanted & set(d["category_slugs"]))
    if request.vendors:
        vendors = set(request.vendors)
        predicates["vendors"] = lambda d: d["vendor_slug"] in vendors
    if request.price_min is not None or request.price_max is not None:
        low = float(request.price_min) if request.price_min is not None else float("-inf")
        high = float(request.price_max) if request.price_max is not None else float("inf")
        predicates["price"] = lambda d: any(low <= p <= high for p in d["prices"])
    if request.in_stock is not None:
        in_stock = request.in_stock
        predicates["availability"] = lambda d: d["in_stock"] is in_stock
    if request.fulfilment:
        methods = set(request.fulfilment)
        predicates["fulfilment"] = lambda d: bool(methods & set(d["fulfilment"]))
    return predicates


def _passing(
    docs: Iterable[dict[str, Any]], predicates: Iterable[Predicate]
) -> list[dict[str, Any]]:
    checks = list(predicates)
    return [d for d in docs if all(check(d) for check in checks)]


def _counts(values: Iterable[str]) -> list[FacetValue]:
    counter = Counter(values)
    return [
        FacetValue(v, n) for v, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    ]


def _facets(matched: list[dict[str, Any]], predicates: dict[str, Predicate]) -> Facets:
    def base(facet: str) -> list[dict[str, Any]]:
        return _passing(matched, [p for name, p in predicates.items() if name != facet])

    stock = Counter(IN_STOCK if d["in_stock"] else OUT_OF_STOCK for d in base("availability"))
    priced = base("price")
    return Facets(
        categories=_counts(s for d in base("categories") for s in d["category_slugs"]),
        vendors=_counts(d["vendor_slug"] for d in base("vendors")),
        fulfilment=_counts(m for d in base("fulfilment") for m in d["fulfilment"]),
        availability=[FacetValue(key, stock.get(key, 0)) for key in (IN_STOCK, OUT_OF_STOCK)],
        price_ranges=[
            PriceRangeFacet(
                start=start,
                end=end,
                count=sum(
                    1
                    for d in priced
                    if any(
                        (start is None or p >= float(start)) and (end is None or p < float(end))
                        for p in d["prices"]
                    )
                ),
            )
            for start, end in PRICE_RANGES
        ],
    )


class DatabaseBackend:
    name = "database"

    def health(self) -> str:
        return "database backend"

    def search(self, request: SearchRequest) -> SearchResult:
        town_id = Town.objects.filter(slug=request.town).values_list("pk", flat=True).first()
        documents = (
            list(build_documents(indexable_product_ids(town_id=town_id)).values())
            if town_id is not None
            else []
        )
        query_words = words(request.query)
        matched: list[dict[str, Any]] = []
        for document in documents:
            if request.near is not None:
                location = document["location"]
                if location is None:
                    continue
                document["_distance"] = haversine_km(
                    request.near.latitude, request.near.longitude, location["lat"], location["lon"]
                )
                if document["_distance"] > request.near.radius_km:
                    continue
            relevance = 1.0
            if query_words:
                document["_words"] = _document_words(document)
                relevance = score(query_words, document)
                if relevance == 0:
                    continue
            document["_score"] = relevance * (IN_STOCK_BOOST if document["in_stock"] else 1.0)
            matched.append(document)
        predicates = _facet_predicates(request)
        selected = _passing(matched, predicates.values())
        selected.sort(key=_sort_key(request))
        page = selected[request.offset : request.offset + request.limit]
        hits = [
            Hit(
                product_id=d["product_id"],
                distance_km=round(d["_distance"], 3) if request.near is not None else None,
            )
            for d in page
        ]
        return SearchResult(
            total=len(selected),
            hits=hits,
            facets=_facets(matched, predicates),
            backend="database",
        )

    def index(self, **_kwargs: Any) -> set[int]:
        return set()

    def missing_towns(self, town_slugs: list[str]) -> list[str]:
        return []

    def rebuild(self, **_kwargs: Any) -> tuple[str, int]:
        return "", 0


def _sort_key(request: SearchRequest) -> Callable[[dict[str, Any]], Any]:
    def tie(d: dict[str, Any]) -> tuple[str, int]:
        return fold(d["name"]), d["product_id"]

    if request.sort_by is SortBy.DISTANCE:
        return lambda d: (d.get("_distance", float("inf")), -d["_score"], *tie(d))
    if request.sort_by is SortBy.PRICE_ASC:
        return lambda d: (d["price_min"] or 0, -d["_score"], *tie(d))
    if request.sort_by is SortBy.PRICE_DESC:
        return lambda d: (-(d["price_min"] or 0), -d["_score"], *tie(d))
    return lambda d: (-d["_score"], *tie(d))
