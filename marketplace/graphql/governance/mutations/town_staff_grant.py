from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import ADMIN_ONLY, require_town_staff, town_from_input
from marketplace.graphql.governance.types import GovernanceError, TownStaffRoleEnum, TownStaffType
from marketplace.towns.staff import town_staff_grant


class TownStaffGrant(BaseMutation):
    """Give an account a role in the town's association (town administrators)."""

    error_type_class = GovernanceError

    class Arguments:
        town = graphene.String(required=True, description="The town's slug or global id.")
        email = graphene.String(required=True)
        role = TownStaffRoleEnum(required=True)

    town_staff = graphene.Field(TownStaffType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, town: str, email: str, role: Any) -> dict[str, Any]:
        found = town_from_input(town)
        actor = require_town_staff(info, found.pk, roles=ADMIN_ONLY)
        staff = town_staff_grant(
            town_id=found.pk, email=email, role=getattr(role, "value", role), actor=actor
        )
        return {"town_staff": staff}
