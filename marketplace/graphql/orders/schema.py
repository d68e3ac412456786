"""GraphQL queries and mutations of the orders domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError

from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.core.pagination import paginate_queryset
from marketplace.graphql.orders.access import can_see_order
from marketplace.graphql.orders.mutations.order_cancel import OrderCancel
from marketplace.graphql.orders.mutations.shop_order_accept import ShopOrderAccept
from marketplace.graphql.orders.mutations.shop_order_cancel import ShopOrderCancel
from marketplace.graphql.orders.mutations.shop_order_fulfil import ShopOrderFulfil
from marketplace.graphql.orders.mutations.shop_order_mark_ready import ShopOrderMarkReady
from marketplace.graphql.orders.mutations.shop_order_refuse import ShopOrderRefuse
from marketplace.graphql.orders.types import (
    OrderType,
    ShopOrderConnection,
    ShopOrderStatusEnum,
)
from marketplace.orders.models import Order, ShopOrder
from marketplace.towns.access import is_town_staff
from vendors.access import is_vendor_member
from vendors.models import Vendor


def _by_token(info: Any, token: Any) -> Order | None:
    try:
        value = uuid.UUID(str(token))
    except ValueError:
        return None
    order = Order.objects.filter(token=value).first()
    if order is not None:
        tokens: set[int] = getattr(info.context, "_order_tokens", set())
        info.context._order_tokens = tokens | {order.pk}
    return order


class Query(graphene.ObjectType):
    order = graphene.Field(
        OrderType,
        id=graphene.ID(required=True),
        token=graphene.UUID(description="The order's token, for a guest."),
        description="An order: its customer's, or anyone's holding its token; town staff too.",
    )
    order_by_token = graphene.Field(OrderType, token=graphene.UUID(required=True))
    shop_orders = graphene.Field(
        ShopOrderConnection,
        vendor=graphene.ID(required=True),
        status=ShopOrderStatusEnum(),
        created_after=graphene.DateTime(),
        created_before=graphene.DateTime(),
        first=graphene.Int(),
        after=graphene.String(),
        description="A shop's orders, newest first (its members and town staff).",
    )

    @staticmethod
    def resolve_order(_root: Any, info: Any, id: str, token: Any = None) -> Any:
        pk = decode_id_or_none(id, "Order")
        if pk is None:
            return None
        if token is not None:
            order = _by_token(info, token)
            return order if order is not None and order.pk == pk else None
        order = Order.objects.filter(pk=pk).first()
        return order if order is not None and can_see_order(info, order) else None

    @staticmethod
    def resolve_order_by_token(_root: Any, info: Any, token: Any) -> Any:
        return _by_token(info, token)

    @staticmethod
    def resolve_shop_orders(
        _root: Any,
        info: Any,
        vendor: str,
        status: Any = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        vendor_id = decode_id_or_none(vendor, "Vendor")
        shop = (
            Vendor.objects.filter(pk=vendor_id).only("pk", "town_id").first() if vendor_id else None
        )
        user = info.context.user
        if shop is None or not (
            is_vendor_member(user, shop.pk) or is_town_staff(user, shop.town_id)
        ):
            raise GraphQLError(
                _("Only the shop's members may see its orders."),
                extensions={"code": "PERMISSION_DENIED"},
            )
        queryset = ShopOrder.objects.filter(vendor_id=shop.pk).order_by("-created_at", "-pk")
        if status is not None:
            queryset = queryset.filter(status=getattr(status, "value", status))
        if created_after is not None:
            queryset = queryset.filter(created_at__gte=created_after)
        if created_before is not None:
            queryset = queryset.filter(created_at__lt=created_before)
        return paginate_queryset(ShopOrderConnection, queryset, first=first, after=after)


class Mutation(graphene.ObjectType):
    order_cancel = OrderCancel.Field()
    shop_order_accept = ShopOrderAccept.Field()
    shop_order_refuse = ShopOrderRefuse.Field()
    shop_order_mark_ready = ShopOrderMarkReady.Field()
    shop_order_fulfil = ShopOrderFulfil.Field()
    shop_order_cancel = ShopOrderCancel.Field()
