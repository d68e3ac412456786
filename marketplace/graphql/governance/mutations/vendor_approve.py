from __future__ import annotations

from typing import Any

import graphene

from marketplace.governance.approval import vendor_approve
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import ANY_STAFF, require_town_staff, vendor_from_input
from marketplace.graphql.governance.types import GovernanceError
from marketplace.graphql.vendors.types import VendorType


class VendorApprove(BaseMutation):
    """Approve a pending shop: it sells and is indexed. Town staff (admins, moderators)."""

    error_type_class = GovernanceError

    class Arguments:
        id = graphene.ID(required=True)

    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        vendor = vendor_from_input(id)
        actor = require_town_staff(info, vendor.town_id, roles=ANY_STAFF)
        return {"vendor": vendor_approve(vendor_id=vendor.pk, actor=actor)}
