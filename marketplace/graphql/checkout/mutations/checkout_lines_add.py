from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.lines import checkout_lines_add
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import CheckoutLineInput, checkout_pk, decode_lines


class CheckoutLinesAdd(CheckoutMutation):
    """Add quantities to the checkout (to an existing line of the same variant too)."""

    class Arguments:
        id = graphene.ID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, lines: list[Any]) -> dict[str, Any]:
        checkout = checkout_lines_add(
            checkout_id=checkout_pk(id), user=info.context.user, lines=decode_lines(lines)
        )
        return cls.payload(info, checkout)
