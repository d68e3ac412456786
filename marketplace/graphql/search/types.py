from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.pagination import CountableConnection
from marketplace.graphql.core.scalars import Decimal
from marketplace.graphql.vendors.types import FulfilmentMethodEnum, ProductType
from search.query import SortBy

SearchBackendEnum = graphene.Enum(
    "SearchBackend",
    [("ENGINE", "engine"), ("DATABASE", "database")],
    description="ENGINE: the search engine answered; DATABASE: the database did (the demo's "
    "backend, or the fallback while the engine cannot answer).",
)

SearchSortByEnum = graphene.Enum(
    "SearchSortBy",
    [(item.name, item.value) for item in SortBy],
    description="RELEVANCE (default), DISTANCE (needs near), PRICE_ASC, PRICE_DESC.",
)


class SearchFilterInput(graphene.InputObjectType):
    categories = graphene.List(
        graphene.NonNull(graphene.String),
        description="Category slugs; a parent category includes its children.",
    )
    vendors = graphene.List(graphene.NonNull(graphene.String), description="Shop slugs.")
    price_min = Decimal(description="Some variant costs at least this (tax included).")
    price_max = Decimal(description="Some variant costs at most this (tax included).")
    in_stock = graphene.Boolean(
        description=(
            "true: only products whose shop has units not sold yet (units a cart holds for its "
            "few minutes count as not sold)."
        )
    )
    fulfilment = graphene.List(
        graphene.NonNull(FulfilmentMethodEnum), description="The shop offers one of these."
    )


class SearchNearInput(graphene.InputObjectType):
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
    radius_km = graphene.Float(default_value=5.0, description="Default 5 km.")


class SearchFacetValue(graphene.ObjectType):
    value = graphene.String(required=True, description="What to filter on (a slug or a code).")
    label = graphene.String(
        required=True,
        description="What to show: the category's or shop's name, or the choice's name in the "
        "request's language.",
    )
    count = graphene.Int(required=True)


class SearchPriceRange(graphene.ObjectType):
    value = graphene.String(required=True, description='"from-to", an open end left empty.')
    start = graphene.Field(Decimal, description="From (inclusive), null: no lower bound.")
    end = graphene.Field(Decimal, description="To (exclusive), null: no upper bound.")
    count = graphene.Int(required=True)


class SearchFacets(graphene.ObjectType):
    """Counts for each choice; a facet's counts ignore its own selection, apply the others."""

    categories = graphene.List(graphene.NonNull(SearchFacetValue), required=True)
    vendors = graphene.List(graphene.NonNull(SearchFacetValue), required=True)
    fulfilment = graphene.List(graphene.NonNull(SearchFacetValue), required=True)
    availability = graphene.List(
        graphene.NonNull(SearchFacetValue), required=True, description="in_stock, out_of_stock."
    )
    price_ranges = graphene.List(graphene.NonNull(SearchPriceRange), required=True)


class SearchHit(graphene.ObjectType):
    product = graphene.Field(ProductType, required=True)
    distance_km = graphene.Float(description="From the `near` point, when given.")


class SearchConnection(CountableConnection):
    class Meta:
        node = SearchHit

    facets = graphene.Field(SearchFacets, required=True)
    backend = graphene.Field(
        SearchBackendEnum, required=True, description="Which backend answered this search."
    )

    @staticmethod
    def resolve_facets(root: Any, _info: Any) -> Any:
        return root.facets

    @staticmethod
    def resolve_backend(root: Any, _info: Any) -> Any:
        return root.backend
