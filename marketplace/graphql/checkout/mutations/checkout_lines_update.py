from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.lines import checkout_lines_update
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import CheckoutLineInput, checkout_pk, decode_lines


class CheckoutLinesUpdate(CheckoutMutation):
    """Set each variant's quantity; quantity 0 removes the line; a new variant adds a line."""

    class Arguments:
        id = graphene.ID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, lines: list[Any]) -> dict[str, Any]:
        checkout = checkout_lines_update(
            checkout_id=checkout_pk(id), user=info.context.user, lines=decode_lines(lines)
        )
        return cls.payload(info, checkout)
