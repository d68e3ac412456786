from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.dataloaders import then
from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.vendors import dataloaders as loaders
from marketplace.graphql.vendors.types import (
    ProductType,
    VendorType,
    _visible_product,
    vendor_is_visible,
)
from vendors.models import Vendor


class Query(graphene.ObjectType):
    vendor = graphene.Field(
        VendorType,
        town=graphene.String(required=True),
        slug=graphene.String(required=True),
        description="A shop by its town's slug and its own slug.",
    )
    product = graphene.Field(ProductType, id=graphene.ID(required=True))

    @staticmethod
    def resolve_vendor(_root: Any, info: Any, town: str, slug: str) -> Any:
        vendor = Vendor.objects.filter(town__slug=town, slug=slug).first()
        return vendor if vendor_is_visible(info, vendor) else None

    @staticmethod
    def resolve_product(_root: Any, info: Any, id: str) -> Any:
        pk = decode_id_or_none(id, "Product")
        if pk is None:
            return None
        return then(
            loaders.ProductByIdLoader(info.context).load(pk),
            lambda product: _visible_product(info, product),
        )


class Mutation(graphene.ObjectType):
    pass
