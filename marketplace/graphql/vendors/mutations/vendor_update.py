from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import require_member, vendor_id_of
from marketplace.graphql.vendors.mutations.inputs import VendorProfileInput, profile_data
from marketplace.graphql.vendors.types import VendorError, VendorType
from vendors.profile import vendor_update


class VendorUpdate(BaseMutation):
    """Change a shop's profile (its owners)."""

    error_type_class = VendorError

    class Arguments:
        id = graphene.ID(required=True)
        input = VendorProfileInput(required=True)

    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, input: dict[str, Any]) -> dict[str, Any]:
        vendor_id = vendor_id_of(id, field="id")
        require_member(info, vendor_id, owner_only=True)
        return {"vendor": vendor_update(vendor_id=vendor_id, data=profile_data(input))}
