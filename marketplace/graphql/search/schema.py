"""GraphQL queries of the search domain: `search(town, query, filter, near, sortBy, first, after)`."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from graphql import FieldNode, GraphQLError

from marketplace.graphql.core.dataloaders import then
from marketplace.graphql.core.errors import errors_from_validation_error
from marketplace.graphql.core.pagination import build_connection, connection_args
from marketplace.graphql.search.types import (
    SearchConnection,
    SearchFilterInput,
    SearchNearInput,
    SearchSortByEnum,
)
from marketplace.graphql.vendors.dataloaders import ProductByIdLoader
from search.error_codes import SearchErrorCode
from search.query import Near, SortBy
from search.searching import products_search


def _value(item: Any) -> Any:
    return getattr(item, "value", item)


FACET_FIELDS = {
    "categories": "categories",
    "vendors": "vendors",
    "fulfilment": "fulfilment",
    "availability": "availability",
    "priceRanges": "price_ranges",
}


def _requested_facets(info: Any) -> frozenset[str] | None:
    """The facets the query selects (counting only those is cheaper); None: all."""
    wanted: set[str] = set()
    for node in info.field_nodes:
        for selection in node.selection_set.selections if node.selection_set else []:
            if not isinstance(selection, FieldNode):
                return None  # fragments: count everything
            if selection.name.value != "facets":
                continue
            for facet in selection.selection_set.selections if selection.selection_set else []:
                if not isinstance(facet, FieldNode):
                    return None
                if facet.name.value in FACET_FIELDS:
                    wanted.add(FACET_FIELDS[facet.name.value])
    return frozenset(wanted)


class Query(graphene.ObjectType):
    search = graphene.Field(
        SearchConnection,
        required=True,
        town=graphene.String(required=True, description="The town's slug."),
        query=graphene.String(description="Words, in French; empty: browse."),
        filter=graphene.Argument(SearchFilterInput),
        near=graphene.Argument(SearchNearInput),
        sort_by=graphene.Argument(SearchSortByEnum, default_value=SortBy.RELEVANCE.value),
        first=graphene.Int(),
        after=graphene.String(),
        description="Products of the town's approved shops matching the query.",
    )

    @staticmethod
    def resolve_search(
        _root: Any,
        info: Any,
        town: str,
        query: str | None = None,
        filter: dict[str, Any] | None = None,
        near: dict[str, Any] | None = None,
        sort_by: Any = SortBy.RELEVANCE.value,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        offset, limit = connection_args(20 if first is None else first, after)
        filter = filter or {}
        try:
            result = products_search(
                town_slug=town,
                query=query or "",
                categories=filter.get("categories"),
                vendors=filter.get("vendors"),
                price_min=filter.get("price_min"),
                price_max=filter.get("price_max"),
                in_stock=filter.get("in_stock"),
                fulfilment=[_value(m) for m in filter.get("fulfilment") or []],
                near=Near(
                    latitude=near["latitude"],
                    longitude=near["longitude"],
                    radius_km=near.get("radius_km", 5.0),
                )
                if near
                else None,
                sort_by=SortBy(_value(sort_by)),
                offset=offset,
                limit=limit,
                facets=_requested_facets(info),
            )
        except ValidationError as error:
            first_error = errors_from_validation_error(
                error, default_code=SearchErrorCode.INVALID.value
            )[0]
            raise GraphQLError(
                first_error.message,
                extensions={"code": first_error.code, "field": first_error.field},
            ) from error

        def connect(products: list[Any]) -> SearchConnection:
            # A product deleted since it was indexed is skipped (the sweeper removes it).
            nodes = [
                {"product": product, "distance_km": hit.distance_km}
                for hit, product in zip(result.hits, products, strict=True)
                if product is not None
            ]
            connection = build_connection(
                SearchConnection, nodes, offset=offset, total=result.total, limit=limit
            )
            connection.facets = result.facets
            connection.backend = result.backend
            return connection

        return then(
            ProductByIdLoader(info.context).load_many([hit.product_id for hit in result.hits]),
            connect,
        )


class Mutation(graphene.ObjectType):
    pass
