from __future__ import annotations

from typing import Any

import graphene
from django.utils import translation

from marketplace.accounts.backends import client_address
from marketplace.checkout.lines import checkout_create
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import CheckoutLineInput, decode_lines


class CheckoutCreateInput(graphene.InputObjectType):
    town = graphene.String(required=True, description="The town's slug.")
    email = graphene.String(description="Required to complete; a logged-in user's by default.")
    lines = graphene.List(graphene.NonNull(CheckoutLineInput))


class CheckoutCreate(CheckoutMutation):
    """Start a checkout in a town: a logged-in user's own, or a guest's reached by its id."""

    class Arguments:
        input = CheckoutCreateInput(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, input: dict[str, Any]) -> dict[str, Any]:
        user = info.context.user
        language = getattr(user, "language", None) or translation.get_language() or "fr"
        checkout = checkout_create(
            town_slug=input["town"],
            email=input.get("email"),
            lines=decode_lines(input.get("lines") or []),
            user=user,
            language=language[:2],
            client=client_address(info.context),
        )
        return cls.payload(info, checkout)
