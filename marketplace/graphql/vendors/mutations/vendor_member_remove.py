from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.vendors.access import member_vendor_id, require_member
from marketplace.graphql.vendors.types import VendorError, VendorType
from vendors.access import is_vendor_member
from vendors.members import vendor_member_remove
from vendors.models import Vendor


class VendorMemberRemove(BaseMutation):
    """Remove a member (owners), or leave the shop yourself; a shop always keeps an owner."""

    error_type_class = VendorError

    class Arguments:
        id = graphene.ID(required=True, description="The VendorMember id.")

    vendor = graphene.Field(VendorType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        member_id, vendor_id, user_id = member_vendor_id(id)
        user = require_member(info, vendor_id)
        if user.pk != user_id and not is_vendor_member(user, vendor_id, owner_only=True):
            raise PermissionDenied(_("Only the shop's owner can remove other members."))
        vendor_member_remove(member_id=member_id)
        return {"vendor": Vendor.objects.get(pk=vendor_id)}
