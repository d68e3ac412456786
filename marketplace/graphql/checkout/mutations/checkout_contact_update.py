from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.contact import checkout_contact_update
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import checkout_pk


class CheckoutContactInput(graphene.InputObjectType):
    customer_name = graphene.String(
        description="Required: who the order is for (the shops hand it over under this name)."
    )
    email = graphene.String(description="Required: where the order's messages go.")
    phone = graphene.String(description="Optional; digits, spaces, +.")
    delivery_address = graphene.String(
        description=(
            "Required when a shop's chosen (or default) delivery method delivers (local "
            "delivery or shipping); dropped when none does."
        )
    )


class CheckoutContactUpdate(CheckoutMutation):
    """Set who the order is for and how the shops reach them: name, email, phone, delivery
    address (all four are set: an omitted phone or address is cleared). Every field at fault is
    told at once, on its field (REQUIRED, INVALID); a refused call changes nothing."""

    class Arguments:
        id = graphene.ID(required=True)
        input = CheckoutContactInput(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, input: dict[str, Any]) -> dict[str, Any]:
        checkout = checkout_contact_update(
            checkout_id=checkout_pk(id),
            user=info.context.user,
            customer_name=input.get("customer_name") or "",
            email=input.get("email") or "",
            phone=input.get("phone") or "",
            delivery_address=input.get("delivery_address") or "",
        )
        return cls.payload(info, checkout)
