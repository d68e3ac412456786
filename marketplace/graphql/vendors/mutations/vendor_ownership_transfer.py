from __future__ import annotations

from typing import Any

import graphene
from django.utils.translation import gettext as _

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import member_vendor_id, require_member, vendor_id_of
from marketplace.graphql.vendors.types import VendorError, VendorType
from vendors.error_codes import VendorErrorCode
from vendors.members import vendor_ownership_transfer
from vendors.validation import field_error


class VendorOwnershipTransfer(BaseMutation):
    """Hand the shop to another member (its owner); you stay as staff."""

    error_type_class = VendorError

    class Arguments:
        vendor = graphene.ID(required=True)
        member = graphene.ID(required=True, description="The VendorMember who becomes owner.")

    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, vendor: str, member: str) -> dict[str, Any]:
        vendor_id = vendor_id_of(vendor)
        user = require_member(info, vendor_id, owner_only=True)
        member_id, member_vendor, _user_id = member_vendor_id(member, field="member")
        if member_vendor != vendor_id:
            raise field_error(
                "member",
                _("This person is not a member of the shop."),
                VendorErrorCode.NOT_A_MEMBER,
            )
        result = vendor_ownership_transfer(
            vendor_id=vendor_id, from_user_id=user.pk, to_member_id=member_id
        )
        return {"vendor": result}
