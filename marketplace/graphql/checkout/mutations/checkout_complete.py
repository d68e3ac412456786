from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import graphene

from marketplace.checkout.complete import checkout_complete
from marketplace.graphql.checkout.types import CheckoutError, checkout_pk
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.orders import dataloaders as order_loaders
from marketplace.graphql.orders.types import OrderType
from marketplace.graphql.vendors.dataloaders import VendorByIdLoader
from marketplace.orders.models import OrderLine, ShopOrder


class PaymentStartType(graphene.ObjectType):
    class Meta:
        name = "PaymentStart"

    gateway = graphene.String(required=True, description='"dummy" or "stripe".')
    status = graphene.String(required=True, description='"pending", "succeeded" or "failed".')
    client_secret = graphene.String(description="For Stripe's Payment Element.")


class CheckoutComplete(BaseMutation):
    """Turn the checkout into an order (one per shop inside) and start its payment.

    Completing the same checkout again returns the same order, with `payment` null.
    """

    error_type_class = CheckoutError

    class Arguments:
        id = graphene.ID(required=True)

    order = graphene.Field(OrderType)
    payment = graphene.Field(PaymentStartType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        result = checkout_complete(checkout_id=checkout_pk(id), user=info.context.user)
        if result.order.user_id is None:
            # The guest's key to follow the order, shown to whoever holds the checkout id.
            info.context._order_tokens = {result.order.pk}
        if result.shop_orders:
            # A new order: its shop orders, their shops and lines are the ones just written.
            _prime(info.context, result.order.pk, result.shop_orders, result.lines)
        return {"order": result.order, "payment": result.payment}


def _prime(
    context: Any, order_id: int, shop_orders: Sequence[ShopOrder], lines: Sequence[OrderLine]
) -> None:
    order_loaders.ShopOrdersByOrderIdLoader(context).prime(order_id, list(shop_orders))
    by_shop_order: dict[int, list[OrderLine]] = {shop_order.pk: [] for shop_order in shop_orders}
    for line in lines:
        by_shop_order[line.shop_order_id].append(line)
    lines_loader = order_loaders.OrderLinesByShopOrderIdLoader(context)
    vendors = VendorByIdLoader(context)
    for shop_order in shop_orders:
        lines_loader.prime(shop_order.pk, by_shop_order[shop_order.pk])
        vendors.prime(shop_order.vendor_id, shop_order.vendor)
