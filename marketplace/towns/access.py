"""Who may act for a town's association."""

from __future__ import annotations

from marketplace.accounts.requester import Requester
from marketplace.towns.models import TownStaff, TownStaffRole


def is_town_staff(
    user: Requester | None, town_id: int, *, roles: tuple[str, ...] = tuple(TownStaffRole)
) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return TownStaff.objects.filter(user_id=user.pk, town_id=town_id, role__in=roles).exists()
