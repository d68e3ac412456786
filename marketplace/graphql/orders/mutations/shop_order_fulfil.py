from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.orders.mutations._base import ShopOrderMutation
from marketplace.orders.lifecycle import shop_order_fulfil


class ShopOrderFulfil(ShopOrderMutation):
    """The customer collected or received the goods: the stock is consumed, the shop paid."""

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        shop_order = cls.get_for_member(info, id)
        user = info.context.user
        return {"shop_order": shop_order_fulfil(shop_order_id=shop_order.pk, user=user)}
