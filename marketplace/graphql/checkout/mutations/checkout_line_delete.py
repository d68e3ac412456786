from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.lines import checkout_line_delete
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import checkout_pk
from marketplace.graphql.core.ids import decode_id


class CheckoutLineDelete(CheckoutMutation):
    """Remove one line (and its reservation)."""

    class Arguments:
        id = graphene.ID(required=True)
        line_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, line_id: str) -> dict[str, Any]:
        checkout = checkout_line_delete(
            checkout_id=checkout_pk(id),
            user=info.context.user,
            line_id=decode_id(line_id, "CheckoutLine", field="lineId"),
        )
        return cls.payload(info, checkout)
