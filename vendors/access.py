"""Who may act for a shop."""

from __future__ import annotations

from marketplace.accounts.requester import Requester
from vendors.models import VendorMember, VendorRole


def member_role(user: Requester | None, vendor_id: int) -> str | None:
    """The user's role in that shop, or None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        VendorMember.objects.filter(user_id=user.pk, vendor_id=vendor_id)
        .values_list("role", flat=True)
        .first()
    )


def is_vendor_member(user: Requester | None, vendor_id: int, *, owner_only: bool = False) -> bool:
    role = member_role(user, vendor_id)
    if role is None:
        return False
    return role == VendorRole.OWNER or not owner_only
