from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.orders.mutations._base import ShopOrderMutation
from marketplace.orders.lifecycle import shop_order_refuse


class ShopOrderRefuse(ShopOrderMutation):
    """The shop refuses a paid shop order: stock released, customer refunded."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, reason: str) -> dict[str, Any]:
        shop_order = cls.get_for_member(info, id)
        return {"shop_order": shop_order_refuse(shop_order_id=shop_order.pk, reason=reason)}
