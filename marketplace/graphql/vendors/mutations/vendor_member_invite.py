from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import enum_value, require_member, vendor_id_of
from marketplace.graphql.vendors.types import (
    VendorError,
    VendorInvitationType,
    VendorMemberType,
    VendorRoleEnum,
)
from vendors.members import vendor_member_invite
from vendors.models import VendorRole


class VendorMemberInvite(BaseMutation):
    """Invite someone to the shop by email (its owners): an invitation is emailed, which the
    person accepts (vendorInvitationAccept) once logged in with that address. The answer is the
    same whether or not an account has the address."""

    error_type_class = VendorError

    class Arguments:
        vendor = graphene.ID(required=True)
        email = graphene.String(required=True)
        role = VendorRoleEnum(description="STAFF by default.")

    member = graphene.Field(
        VendorMemberType,
        deprecation_reason="Always null: nobody becomes a member without accepting.",
    )
    invitation = graphene.Field(VendorInvitationType)

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, vendor: str, email: str, role: Any = None
    ) -> dict[str, Any]:
        vendor_id = vendor_id_of(vendor)
        user = require_member(info, vendor_id, owner_only=True)
        result = vendor_member_invite(
            vendor_id=vendor_id,
            email=email,
            role=enum_value(role) if role is not None else VendorRole.STAFF,
            invited_by=user,
        )
        return {"member": result.member, "invitation": result.invitation}
