from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import product_vendor_id, require_member
from marketplace.graphql.vendors.types import ProductType, VendorError
from vendors.products import product_publish


class ProductPublish(BaseMutation):
    """Publish or unpublish a product (the shop's members): unpublished, it is not shown, searched
    or sold; its variants, stock and past orders are kept."""

    error_type_class = VendorError

    class Arguments:
        id = graphene.ID(required=True)
        published = graphene.Boolean(required=True)

    product = graphene.Field(ProductType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, published: bool) -> dict[str, Any]:
        product_id, vendor_id = product_vendor_id(id)
        user = require_member(info, vendor_id)
        product = product_publish(user=user, product_id=product_id, published=published)
        return {"product": product}
