from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.delivery import checkout_email_update
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import checkout_pk


class CheckoutEmailUpdate(CheckoutMutation):
    """Set the email the order's messages go to (required for a guest to complete)."""

    class Arguments:
        id = graphene.ID(required=True)
        email = graphene.String(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, email: str) -> dict[str, Any]:
        checkout = checkout_email_update(
            checkout_id=checkout_pk(id), user=info.context.user, email=email
        )
        return cls.payload(info, checkout)
