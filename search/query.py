"""What a search asks and what it answers, shared by both backends."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class SortBy(Enum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"


# Price-range facet buckets (town currency), [from, to).
PRICE_RANGES: tuple[tuple[Decimal | None, Decimal | None], ...] = (
    (None, Decimal("10")),
    (Decimal("10"), Decimal("20")),
    (Decimal("20"), Decimal("50")),
    (Decimal("50"), Decimal("100")),
    (Decimal("100"), None),
)
IN_STOCK = "in_stock"
OUT_OF_STOCK = "out_of_stock"


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class SearchRequest:
    town: str
    query: str = ""
    categories: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool | None = None
    fulfilment: tuple[str, ...] = ()
    near: Near | None = None
    sort_by: SortBy = SortBy.RELEVANCE
    offset: int = 0
    limit: int = 20
    # The facets to count (names of Facets' fields); None: all of them.
    facets: frozenset[str] | None = None


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    label: str = ""  # what to show: a name, in the request's language for fixed choices


@dataclass(frozen=True)
class PriceRangeFacet:
    start: Decimal | None
    end: Decimal | None
    count: int

    @property
    def value(self) -> str:
        return f"{self.start if self.start is not None else ''}-{self.end if self.end is not None else ''}"


@dataclass(frozen=True)
class Facets:
    categories: list[FacetValue] = field(default_factory=list)
    vendors: list[FacetValue] = field(default_factory=list)
    fulfilment: list[FacetValue] = field(default_factory=list)
    availability: list[FacetValue] = field(default_factory=list)
    price_ranges: list[PriceRangeFacet] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    product_id: int
    distance_km: float | None = None


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: Facets
    backend: str = ""


class SearchUnavailable(Exception):
    """The engine cannot be reached or refused the request."""


class UnknownTown(Exception):
    pass


ELISION = re.compile(r"\b(?:qu|jusqu|lorsqu|puisqu|quoiqu|[cdjlmnst])['’]", re.IGNORECASE)
NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents removed, elisions (l', d', qu') dropped, punctuation to spaces."""
    text = ELISION.sub(" ", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = ascii_text.replace("œ", "oe").replace("æ", "ae")
    return NON_WORD.sub(" ", ascii_text).strip()


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6371.0088
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = math.radians(lat2 - lat1)
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
