from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import product_vendor_id, require_member
from marketplace.graphql.vendors.mutations.inputs import VariantInput, variant_data
from marketplace.graphql.vendors.mutations.product_create import category_reference
from marketplace.graphql.vendors.types import ProductType, VendorError
from vendors.products import product_update


class ProductUpdateInput(graphene.InputObjectType):
    name = graphene.String()
    description = graphene.String()
    category = graphene.String(description="A category slug or id.")
    variants = graphene.List(
        graphene.NonNull(VariantInput),
        description="Variants to change (with `id`) or to add (without).",
    )
    remove_variants = graphene.List(
        graphene.NonNull(graphene.ID), description="Variants to delete."
    )


class ProductUpdate(BaseMutation):
    """Change a product, and add, change or remove its variants (the shop's members)."""

    error_type_class = VendorError

    class Arguments:
        id = graphene.ID(required=True)
        input = ProductUpdateInput(required=True)

    product = graphene.Field(ProductType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, input: dict[str, Any]) -> dict[str, Any]:
        product_id, vendor_id = product_vendor_id(id)
        user = require_member(info, vendor_id)
        variants = list(input.get("variants") or [])
        variant_ids = [
            decode_id(item["id"], "Variant", field=f"variants.{index}.id")
            if item.get("id")
            else None
            for index, item in enumerate(variants)
        ]
        remove_ids = [
            decode_id(value, "Variant", field=f"removeVariants.{index}")
            for index, value in enumerate(input.get("remove_variants") or [])
        ]
        data = {key: value for key, value in dict(input).items() if key != "remove_variants"}
        if "category" in data:
            data["category"] = category_reference(data["category"])
        data["variants"] = [variant_data(item) for item in variants]
        product = product_update(
            product_id=product_id,
            data=data,
            variant_ids=variant_ids,
            remove_variant_ids=remove_ids,
            user=user,
        )
        return {"product": product}
