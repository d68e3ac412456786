from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.orders.mutations._base import ShopOrderMutation
from marketplace.orders.lifecycle import shop_order_accept


class ShopOrderAccept(ShopOrderMutation):
    """The shop accepts a paid shop order (its members only)."""

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        shop_order = cls.get_for_member(info, id)
        return {"shop_order": shop_order_accept(shop_order_id=shop_order.pk)}
