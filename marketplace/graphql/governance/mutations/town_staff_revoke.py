from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import ADMIN_ONLY, require_town_staff, town_from_input
from marketplace.graphql.governance.types import GovernanceError, TownStaffType
from marketplace.towns.staff import town_staff_revoke


class TownStaffRevoke(BaseMutation):
    """Remove an account's role in the town's association (town administrators)."""

    error_type_class = GovernanceError

    class Arguments:
        town = graphene.String(required=True, description="The town's slug or global id.")
        email = graphene.String(required=True)

    town_staff = graphene.Field(TownStaffType, description="The role that was removed.")

    @classmethod
    def perform(cls, root: Any, info: Any, *, town: str, email: str) -> dict[str, Any]:
        found = town_from_input(town)
        actor = require_town_staff(info, found.pk, roles=ADMIN_ONLY)
        return {"town_staff": town_staff_revoke(town_id=found.pk, email=email, actor=actor)}
