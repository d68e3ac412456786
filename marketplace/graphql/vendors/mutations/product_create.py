from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import require_member, vendor_id_of
from marketplace.graphql.vendors.mutations.inputs import VariantInput, variant_data
from marketplace.graphql.vendors.types import ProductType, VendorError
from vendors.products import product_create


class ProductCreateInput(graphene.InputObjectType):
    vendor = graphene.ID(required=True)
    name = graphene.String(required=True)
    description = graphene.String()
    category = graphene.String(required=True, description="A category slug or id.")
    variants = graphene.List(graphene.NonNull(VariantInput), required=True)


def category_reference(value: Any) -> Any:
    """A Category global id becomes its pk; a slug stays a slug."""
    if value is None:
        return None
    pk = decode_id_or_none(str(value), "Category")
    return str(pk) if pk else value


class ProductCreate(BaseMutation):
    """Add a product with its variants to a shop (its members)."""

    error_type_class = VendorError

    class Arguments:
        input = ProductCreateInput(required=True)

    product = graphene.Field(ProductType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, input: dict[str, Any]) -> dict[str, Any]:
        vendor_id = vendor_id_of(input["vendor"])
        user = require_member(info, vendor_id)
        data = dict(input)
        data["category"] = category_reference(data.get("category"))
        data["variants"] = [variant_data(item) for item in input.get("variants") or []]
        return {"product": product_create(vendor_id=vendor_id, data=data, user=user)}
