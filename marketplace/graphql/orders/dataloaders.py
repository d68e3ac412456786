from __future__ import annotations

from django.db.models import QuerySet

from marketplace.graphql.core.dataloaders import ByForeignKeyLoader, ByIdLoader
from marketplace.orders.models import Order, OrderLine, ShopOrder


class OrderByIdLoader(ByIdLoader[Order]):
    def queryset(self) -> QuerySet[Order]:
        return Order.objects.all()


class ShopOrdersByOrderIdLoader(ByForeignKeyLoader[ShopOrder]):
    field = "order"

    def queryset(self) -> QuerySet[ShopOrder]:
        return ShopOrder.objects.order_by("order_id", "pk")


class OrderLinesByShopOrderIdLoader(ByForeignKeyLoader[OrderLine]):
    field = "shop_order"

    def queryset(self) -> QuerySet[OrderLine]:
        return OrderLine.objects.order_by("shop_order_id", "pk")
