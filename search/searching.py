"""Searching a town's products: validation, the configured backend, and the fallback.

When the engine cannot answer (outage, town never indexed), the database backend answers the
same request, so that search keeps working, slower, during an engine outage.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from marketplace.catalog.models import Category
from marketplace.core.compiled import Slot, Slots, compiled_query
from marketplace.towns.models import Town
from search.backends import get_backend
from search.error_codes import SearchErrorCode
from search.query import (
    IN_STOCK,
    OUT_OF_STOCK,
    Facets,
    FacetValue,
    Near,
    SearchRequest,
    SearchResult,
    SearchUnavailable,
    SortBy,
)
from vendors.models import FulfilmentMethodName, Vendor

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_RADIUS_KM = 1000.0


def _error(field: str, message: str, code: SearchErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def products_search(
    *,
    town_slug: str,
    query: str = "",
    categories: list[str] | None = None,
    vendors: list[str] | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    in_stock: bool | None = None,
    fulfilment: list[str] | None = None,
    near: Near | None = None,
    sort_by: SortBy = SortBy.RELEVANCE,
    offset: int = 0,
    limit: int = 20,
    facets: frozenset[str] | None = None,
) -> SearchResult:
    """The town's matching products (approved shops only). Raises a coded ValidationError."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise _error(
            "query",
            _("The query is longer than %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            SearchErrorCode.INVALID,
        )
    for name, value in (("price_min", price_min), ("price_max", price_max)):
        if value is not None and value < 0:
            raise _error(name, _("A price cannot be negative."), SearchErrorCode.INVALID)
    if price_min is not None and price_max is not None and price_min > price_max:
        raise _error(
            "price_min", _("The minimum price is above the maximum."), SearchErrorCode.INVALID
        )
    if near is not None:
        if not (-90 <= near.latitude <= 90 and -180 <= near.longitude <= 180):
            raise _error("near", _("This is not a point on Earth."), SearchErrorCode.INVALID)
        if not 0 < near.radius_km <= MAX_RADIUS_KM:
            raise _error(
                "near",
                _("The radius must be above 0 and at most %(max)d km.") % {"max": MAX_RADIUS_KM},
                SearchErrorCode.INVALID,
            )
    if sort_by is SortBy.DISTANCE and near is None:
        raise _error(
            "sort_by", _("Sorting by distance needs a point (near)."), SearchErrorCode.NEAR_REQUIRED
        )
    town = Town.objects.filter(slug=town_slug).only("pk").first()
    if town is None:
        raise _error(
            "town",
            _("There is no town %(town)r.") % {"town": town_slug},
            SearchErrorCode.TOWN_NOT_FOUND,
        )
    request = SearchRequest(
        town=town_slug,
        query=query,
        categories=tuple(categories or ()),
        vendors=tuple(vendors or ()),
        price_min=price_min,
        price_max=price_max,
        in_stock=in_stock,
        fulfilment=tuple(fulfilment or ()),
        near=near,
        sort_by=sort_by,
        offset=offset,
        limit=limit,
        facets=facets,
    )
    backend = get_backend()
    try:
        result = backend.search(request)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        logger.warning("search: engine unavailable, answering from the database", exc_info=True)
        result = get_backend("database").search(request)
    return replace(result, facets=_labelled(result.facets, town_id=town.pk))


def _labelled(facets: Facets, *, town_id: int) -> Facets:
    """The facets with a label for each value (at most two queries: categories, shops)."""

    def label(values: list[FacetValue], names: Mapping[str, Any]) -> list[FacetValue]:
        return [replace(v, label=str(names.get(v.value, v.value))) for v in values]

    # Compiled once per number of values (marketplace.core.compiled): every search asks.
    categories: dict[str, str] = {}
    if facets.categories:
        count = len(facets.categories)
        categories = dict(
            compiled_query(
                ("facet_category_names", count), lambda: _category_names_query(count)
            ).run(**{f"s{i}": v.value for i, v in enumerate(facets.categories)})
        )
    shops: dict[str, str] = {}
    if facets.vendors:
        count = len(facets.vendors)
        shops = dict(
            compiled_query(("facet_shop_names", count), lambda: _shop_names_query(count)).run(
                town=town_id, **{f"s{i}": v.value for i, v in enumerate(facets.vendors)}
            )
        )
    return replace(
        facets,
        categories=label(facets.categories, categories),
        vendors=label(facets.vendors, shops),
        fulfilment=label(facets.fulfilment, dict(FulfilmentMethodName.choices)),
        availability=label(
            facets.availability, {IN_STOCK: _("In stock"), OUT_OF_STOCK: _("Out of stock")}
        ),
    )


def _category_names_query(count: int) -> QuerySet[Category, tuple[str, str]]:
    return Category.objects.filter(
        slug__in=Slots("s", count, Category._meta.get_field("slug"))
    ).values_list("slug", "name")


def _shop_names_query(count: int) -> QuerySet[Vendor, tuple[str, str]]:
    return Vendor.objects.filter(
        town_id=Slot("town", Vendor._meta.get_field("town")),
        slug__in=Slots("s", count, Vendor._meta.get_field("slug")),
    ).values_list("slug", "name")
