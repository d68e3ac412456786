"""Who may act for a town's association."""

from __future__ import annotations

from typing import Any

from marketplace.towns.models import TownStaff, TownStaffRole


def is_town_staff(
    user: Any, town_id: int, *, roles: tuple[str, ...] = tuple(TownStaffRole)
) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return TownStaff.objects.filter(user_id=user.pk, town_id=town_id, role__in=roles).exists()
