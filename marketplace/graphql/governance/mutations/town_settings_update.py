from __future__ import annotations

from typing import Any

import graphene

from marketplace.governance.town_settings import town_settings_update
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import ADMIN_ONLY, require_town_staff, town_from_input
from marketplace.graphql.governance.types import (
    GovernanceError,
    StripeFeesPayerEnum,
    TownSettingsType,
)


class TownSettingsUpdateInput(graphene.InputObjectType):
    refund_commission = graphene.Boolean(description="Refunds give the commission back too.")
    stripe_fees_payer = StripeFeesPayerEnum(description="Who bears Stripe's fees.")
    checkout_max_units_per_variant = graphene.Int(
        description="The most units of one variant one checkout may hold (1 to 10,000)."
    )
    checkout_max_units = graphene.Int(
        description="The most units in all one checkout may hold (1 to 10,000)."
    )
    audit_show_staff_names = graphene.Boolean(
        description="Name the staff member in the public audit log (else only the role)."
    )
    contact_email = graphene.String(
        description='The association\'s address, shown to shops and customers ("" removes it); '
        "read on Town.contactEmail."
    )


class TownSettingsUpdate(BaseMutation):
    """Change the town's governance settings (town administrators)."""

    error_type_class = GovernanceError

    class Arguments:
        town = graphene.String(required=True, description="The town's slug or global id.")
        input = TownSettingsUpdateInput(required=True)

    town_settings = graphene.Field(TownSettingsType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, town: str, input: dict[str, Any]) -> dict[str, Any]:
        found = town_from_input(town)
        actor = require_town_staff(info, found.pk, roles=ADMIN_ONLY)
        payer = input.get("stripe_fees_payer")
        result = town_settings_update(
            town_id=found.pk,
            actor=actor,
            refund_commission=input.get("refund_commission"),
            stripe_fees_payer=getattr(payer, "value", payer),
            checkout_max_units_per_variant=input.get("checkout_max_units_per_variant"),
            checkout_max_units=input.get("checkout_max_units"),
            audit_show_staff_names=input.get("audit_show_staff_names"),
            contact_email=input.get("contact_email"),
        )
        return {"town_settings": result}
