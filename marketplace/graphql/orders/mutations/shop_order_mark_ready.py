from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.orders.mutations._base import ShopOrderMutation
from marketplace.orders.lifecycle import shop_order_mark_ready


class ShopOrderMarkReady(ShopOrderMutation):
    """The goods are ready (for pickup or to leave the shop)."""

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        shop_order = cls.get_for_member(info, id)
        return {"shop_order": shop_order_mark_ready(shop_order_id=shop_order.pk)}
