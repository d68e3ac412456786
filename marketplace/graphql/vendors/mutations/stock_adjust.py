from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import enum_value, require_member, variant_vendor_id
from marketplace.graphql.vendors.types import StockMovementReasonEnum, VariantType, VendorError
from vendors.models import Variant
from vendors.stock_updates import stock_adjust


class StockAdjust(BaseMutation):
    """Add or remove units: RECEIVED, LOSS, RETURN or ADJUSTMENT (the shop's members)."""

    error_type_class = VendorError

    class Arguments:
        variant = graphene.ID(required=True)
        delta = graphene.Int(required=True)
        reason = StockMovementReasonEnum(required=True)
        note = graphene.String()

    variant = graphene.Field(VariantType)

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, variant: str, delta: int, reason: Any, note: str | None = None
    ) -> dict[str, Any]:
        variant_id, vendor_id = variant_vendor_id(variant)
        user = require_member(info, vendor_id)
        stock_adjust(
            variant_id=variant_id,
            delta=delta,
            reason=enum_value(reason),
            user=user,
            note=note or "",
        )
        return {"variant": Variant.objects.get(pk=variant_id)}
