from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.governance.models import CommissionRule
from marketplace.governance.rules import commission_rule_update
from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.core.scalars import Decimal
from marketplace.graphql.governance.access import ADMIN_ONLY, require_town_staff
from marketplace.graphql.governance.types import CommissionRuleType, GovernanceError


class CommissionRuleUpdateInput(graphene.InputObjectType):
    percentage = Decimal()
    fixed_amount = Decimal()
    min_amount = Decimal(description="null clears the minimum; omitted keeps it.")
    max_amount = Decimal(description="null clears the maximum; omitted keeps it.")
    valid_until = graphene.DateTime(description="null: open-ended; omitted keeps it.")


class CommissionRuleUpdate(BaseMutation):
    """Change a rule (town administrators): the current version ends now and a new version,
    linked to it through `previous`, starts. Orders already placed keep their snapshot."""

    error_type_class = GovernanceError

    class Arguments:
        id = graphene.ID(required=True)
        input = CommissionRuleUpdateInput(required=True)

    commission_rule = graphene.Field(CommissionRuleType, description="The new version.")

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, input: dict[str, Any]) -> dict[str, Any]:
        town_id = _town_of_rule(decode_id(id, "CommissionRule"))
        actor = require_town_staff(info, town_id, roles=ADMIN_ONLY)
        changes = {
            key: input[key]
            for key in ("percentage", "fixed_amount", "min_amount", "max_amount", "valid_until")
            if key in input
        }
        rule = commission_rule_update(
            rule_id=decode_id(id, "CommissionRule"), actor=actor, **changes
        )
        return {"commission_rule": rule}


def _town_of_rule(rule_id: int) -> int:

    town_id = CommissionRule.objects.filter(pk=rule_id).values_list("town_id", flat=True).first()
    if town_id is None:
        raise ValidationError(
            {
                "id": ValidationError(
                    _("No such commission rule."), code=GovernanceErrorCode.NOT_FOUND.value
                )
            }
        )
    return int(town_id)
