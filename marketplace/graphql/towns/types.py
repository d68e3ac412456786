from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Q
from graphene import relay

from marketplace.catalog.models import Category
from marketplace.core.collation import FrenchOrder
from marketplace.graphql.core.pagination import paginate_queryset
from marketplace.graphql.core.scalars import GeoPoint
from marketplace.graphql.vendors.dataloaders import TownByIdLoader
from marketplace.graphql.vendors.types import CategoryType, VendorConnection
from marketplace.towns.models import Town
from vendors.models import Vendor, VendorStatus


class TownType(graphene.ObjectType):
    class Meta:
        name = "Town"
        interfaces = (relay.Node,)
        possible_types = (Town,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    region = graphene.String(required=True)
    country = graphene.String(required=True)
    currency = graphene.String(required=True)
    timezone = graphene.String(required=True)
    center = graphene.Field(GeoPoint, required=True)
    contact_email = graphene.String(
        description="Where to write to the town's association; null when it gave none."
    )
    vendors = graphene.Field(
        VendorConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        category=graphene.String(
            description="A category slug: shops of it or of its subcategories."
        ),
        description="The town's approved shops, by name.",
    )
    categories = graphene.List(
        graphene.NonNull(CategoryType),
        required=True,
        description="Categories that have at least one product of an approved shop of the town.",
    )

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return TownByIdLoader(info.context).load(int(pk))

    @staticmethod
    def resolve_contact_email(root: Town, _info: Any) -> str | None:
        return root.contact_email or None

    @staticmethod
    def resolve_center(root: Town, _info: Any) -> dict[str, float]:
        return {"latitude": root.center_latitude, "longitude": root.center_longitude}

    @staticmethod
    def resolve_vendors(
        root: Town,
        _info: Any,
        first: int | None = None,
        after: str | None = None,
        category: str | None = None,
    ) -> Any:
        queryset = Vendor.objects.filter(town=root, status=VendorStatus.APPROVED)
        if category:
            queryset = queryset.filter(
                pk__in=Vendor.objects.filter(town=root)
                .filter(models_q_category(category))
                .values("pk")
            )
        return paginate_queryset(
            VendorConnection, queryset.order_by(FrenchOrder("name"), "id"), first=first, after=after
        )

    @staticmethod
    def resolve_categories(root: Town, _info: Any) -> Any:
        used = Category.objects.filter(
            products__vendor__town=root, products__vendor__status=VendorStatus.APPROVED
        ).values("pk")
        parents = Category.objects.filter(children__in=used).values("pk")
        return (
            Category.objects.filter(pk__in=used)
            .union(Category.objects.filter(pk__in=parents))
            .order_by("slug")
        )


def models_q_category(slug: str) -> Any:
    """Shops whose own category, or one of whose products' category, is `slug` or under it."""
    return (
        Q(category__slug=slug)
        | Q(category__parent__slug=slug)
        | Q(products__category__slug=slug)
        | Q(products__category__parent__slug=slug)
    )
