from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import require_member, variant_vendor_id
from marketplace.graphql.vendors.types import VariantType, VendorError
from vendors.models import Variant
from vendors.stock_updates import stock_update


class StockUpdate(BaseMutation):
    """Set a variant's quantity on hand (a stock count); never below what is allocated."""

    error_type_class = VendorError

    class Arguments:
        variant = graphene.ID(required=True)
        quantity = graphene.Int(required=True)
        note = graphene.String()

    variant = graphene.Field(VariantType)

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, variant: str, quantity: int, note: str | None = None
    ) -> dict[str, Any]:
        variant_id, vendor_id = variant_vendor_id(variant)
        user = require_member(info, vendor_id)
        stock_update(variant_id=variant_id, quantity=quantity, user=user, note=note or "")
        return {"variant": Variant.objects.get(pk=variant_id)}
