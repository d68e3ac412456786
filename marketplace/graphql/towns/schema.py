from __future__ import annotations

from typing import Any

import graphene

from marketplace.catalog.models import Category
from marketplace.core.collation import FrenchOrder
from marketplace.graphql.towns.types import TownType
from marketplace.graphql.vendors.types import CategoryType
from marketplace.towns.models import Town


class Query(graphene.ObjectType):
    towns = graphene.List(graphene.NonNull(TownType), required=True)
    town = graphene.Field(TownType, slug=graphene.String(required=True))
    categories = graphene.List(
        graphene.NonNull(CategoryType), required=True, description="The whole shared taxonomy."
    )

    @staticmethod
    def resolve_towns(_root: Any, _info: Any) -> Any:
        return Town.objects.order_by(FrenchOrder("name"))

    @staticmethod
    def resolve_town(_root: Any, _info: Any, slug: str) -> Any:
        return Town.objects.filter(slug=slug).first()

    @staticmethod
    def resolve_categories(_root: Any, _info: Any) -> Any:
        return Category.objects.order_by("slug")
