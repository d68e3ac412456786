from __future__ import annotations

from typing import Any

import graphene

from marketplace.governance.approval import vendor_suspend
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import ANY_STAFF, require_town_staff, vendor_from_input
from marketplace.graphql.governance.types import GovernanceError
from marketplace.graphql.vendors.types import VendorType


class VendorSuspend(BaseMutation):
    """Suspend a shop: it leaves search and checkout at once; its open orders go on.

    Town staff (administrators and moderators). The reason is public.
    """

    error_type_class = GovernanceError

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True, description="Public.")

    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, reason: str) -> dict[str, Any]:
        vendor = vendor_from_input(id)
        actor = require_town_staff(info, vendor.town_id, roles=ANY_STAFF)
        return {"vendor": vendor_suspend(vendor_id=vendor.pk, reason=reason, actor=actor)}
