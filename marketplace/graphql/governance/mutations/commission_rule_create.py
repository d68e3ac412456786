from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import graphene

from marketplace.governance.rules import commission_rule_create
from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.core.scalars import Decimal
from marketplace.graphql.governance.access import (
    ADMIN_ONLY,
    category_id_from_input,
    require_town_staff,
    town_from_input,
)
from marketplace.graphql.governance.types import CommissionRuleType, GovernanceError


class CommissionRuleCreateInput(graphene.InputObjectType):
    town = graphene.String(required=True, description="The town's slug or global id.")
    vendor = graphene.ID(description="Only this shop (global id).")
    category = graphene.String(description="Only shops of this category: slug or global id.")
    percentage = Decimal(description='Percent of the goods, 0 to 100 ("5.5"). Default 0.')
    fixed_amount = Decimal(description="Per shop order. Default 0.")
    min_amount = Decimal()
    max_amount = Decimal()
    valid_from = graphene.DateTime(description="Default: now. Never in the past.")
    valid_until = graphene.DateTime(description="Exclusive. Default: until further notice.")


class CommissionRuleCreate(BaseMutation):
    """Create a commission rule (town administrators). Overlaps in one scope are refused."""

    error_type_class = GovernanceError

    class Arguments:
        input = CommissionRuleCreateInput(required=True)

    commission_rule = graphene.Field(CommissionRuleType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, input: dict[str, Any]) -> dict[str, Any]:
        town = town_from_input(input["town"])
        actor = require_town_staff(info, town.pk, roles=ADMIN_ONLY)
        vendor = input.get("vendor")
        rule = commission_rule_create(
            town_id=town.pk,
            vendor_id=decode_id(vendor, "Vendor", field="vendor") if vendor else None,
            category_id=category_id_from_input(input.get("category")),
            percentage=_or_zero(input.get("percentage")),
            fixed_amount=_or_zero(input.get("fixed_amount")),
            min_amount=input.get("min_amount"),
            max_amount=input.get("max_amount"),
            valid_from=input.get("valid_from"),
            valid_until=input.get("valid_until"),
            actor=actor,
        )
        return {"commission_rule": rule}


def _or_zero(value: Any) -> Any:

    return D("0") if value is None else value
