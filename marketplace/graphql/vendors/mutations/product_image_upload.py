from __future__ import annotations

from typing import Any

import graphene
from graphene_file_upload.scalars import Upload

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import product_vendor_id, require_member
from marketplace.graphql.vendors.types import ProductType, VendorError
from vendors.images import product_image_upload


class ProductImageUpload(BaseMutation):
    """Set the product's image: JPEG, PNG or WebP, 5 MB at most (the shop's members)."""

    error_type_class = VendorError

    class Arguments:
        product = graphene.ID(required=True)
        file = Upload(required=True)

    product = graphene.Field(ProductType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, product: str, file: Any) -> dict[str, Any]:
        product_id, vendor_id = product_vendor_id(product, field="product")
        require_member(info, vendor_id)
        return {"product": product_image_upload(product_id=product_id, upload=file)}
