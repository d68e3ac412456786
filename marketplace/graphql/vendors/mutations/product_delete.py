from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import product_vendor_id, require_member
from marketplace.graphql.vendors.types import VendorError
from vendors.products import product_delete


class ProductDelete(BaseMutation):
    """Delete a product and its variants (the shop's members); past orders keep their lines."""

    error_type_class = VendorError

    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID(description="The deleted product's id.")

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        product_id, vendor_id = product_vendor_id(id)
        require_member(info, vendor_id)
        product_delete(product_id=product_id)
        return {"deleted_id": id}
