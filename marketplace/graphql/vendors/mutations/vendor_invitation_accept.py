from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import require_user
from marketplace.graphql.vendors.types import VendorError, VendorMemberType, VendorType
from vendors.members import vendor_invitation_accept
from vendors.models import Vendor


class VendorInvitationAccept(BaseMutation):
    """Join a shop with the code of an invitation sent to your email address."""

    error_type_class = VendorError

    class Arguments:
        token = graphene.String(required=True)

    member = graphene.Field(VendorMemberType)
    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, token: str) -> dict[str, Any]:
        user = require_user(info)
        member = vendor_invitation_accept(token=token, user=user)
        return {"member": member, "vendor": Vendor.objects.get(pk=member.vendor_id)}
