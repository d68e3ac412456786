from __future__ import annotations

from datetime import datetime
from typing import Any

import graphene

from marketplace.governance.rules import commission_rule_end
from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import ADMIN_ONLY, require_town_staff
from marketplace.graphql.governance.mutations.commission_rule_update import _town_of_rule
from marketplace.graphql.governance.types import CommissionRuleType, GovernanceError


class CommissionRuleEnd(BaseMutation):
    """End a rule at `at` (default now; town administrators). Its version stays in history."""

    error_type_class = GovernanceError

    class Arguments:
        id = graphene.ID(required=True)
        at = graphene.DateTime()

    commission_rule = graphene.Field(CommissionRuleType)

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, id: str, at: datetime | None = None
    ) -> dict[str, Any]:
        rule_id = decode_id(id, "CommissionRule")
        actor = require_town_staff(info, _town_of_rule(rule_id), roles=ADMIN_ONLY)
        return {"commission_rule": commission_rule_end(rule_id=rule_id, at=at, actor=actor)}
