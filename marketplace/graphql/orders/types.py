from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import graphene
from graphene import relay

from marketplace.graphql.core.dataloaders import then
from marketplace.graphql.core.errors import error_type
from marketplace.graphql.core.pagination import CountableConnection
from marketplace.graphql.core.scalars import Decimal, Money, money_field
from marketplace.graphql.orders import dataloaders as loaders
from marketplace.graphql.orders.access import can_see_order, can_see_shop_order
from marketplace.graphql.vendors import dataloaders as vendor_loaders
from marketplace.graphql.vendors.types import FulfilmentMethodEnum
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder, ShopOrderStatus

OrderError = error_type("OrderError", OrderErrorCode)
OrderStatusEnum = graphene.Enum.from_enum(OrderStatus, name="OrderStatus")
ShopOrderStatusEnum = graphene.Enum.from_enum(ShopOrderStatus, name="ShopOrderStatus")


def order_visible_tokens(info: Any) -> set[int]:
    return getattr(info.context, "_order_tokens", set())


class OrderLineType(graphene.ObjectType):
    class Meta:
        name = "OrderLine"

    product_name = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    sku = graphene.String(required=True)
    category_slug = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    unit_price = money_field("unit_price", required=True)
    total = money_field("total", required=True)
    vat_rate = graphene.Field(Decimal, required=True)
    vat_amount = money_field("vat_amount", required=True)


class VatLine(graphene.ObjectType):
    rate = graphene.Field(Decimal, required=True)
    base = graphene.Field(Money, required=True, description="Without tax.")
    vat = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True, description="Tax included.")


class ShopOrderType(graphene.ObjectType):
    """One shop's part of an order."""

    class Meta:
        name = "ShopOrder"
        interfaces = (relay.Node,)
        possible_types = (ShopOrder,)

    number = graphene.String(required=True, description="The order's number.")
    vendor = graphene.Field("marketplace.graphql.vendors.types.VendorType", required=True)
    status = graphene.Field(ShopOrderStatusEnum, required=True)
    status_reason = graphene.String(required=True)
    customer_email = graphene.String(required=True)
    customer_name = graphene.String(
        required=True, description="Who the order is for (empty when it was placed without one)."
    )
    subtotal = money_field("subtotal", required=True, description="Goods, tax included.")
    delivery_method = graphene.Field(FulfilmentMethodEnum)
    delivery_fee = money_field("delivery_fee", required=True)
    total = money_field("total", required=True)
    commission = money_field("commission", required=True)
    commission_percentage = graphene.Field(Decimal, required=True)
    commission_fixed = money_field("commission_fixed", required=True)
    payout = money_field("payout", required=True, description="subtotal + fee - commission.")
    refunded_amount = money_field("refunded_amount", required=True)
    vat_breakdown = graphene.List(
        graphene.NonNull(VatLine),
        required=True,
        description="Per VAT rate, goods and delivery fee (the fee takes the goods' rates, pro "
        "rata of their amounts before tax); the totals add up to the shop order's total.",
    )
    lines = graphene.List(graphene.NonNull(OrderLineType), required=True)
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:

        shop_order = ShopOrder.objects.filter(pk=pk).select_related("order").first()
        return shop_order if shop_order and can_see_shop_order(info, shop_order) else None

    @staticmethod
    def resolve_number(root: ShopOrder, info: Any) -> Any:
        return then(loaders.OrderByIdLoader(info.context).load(root.order_id), lambda o: o.number)

    @staticmethod
    def resolve_customer_email(root: ShopOrder, info: Any) -> Any:
        return then(loaders.OrderByIdLoader(info.context).load(root.order_id), lambda o: o.email)

    @staticmethod
    def resolve_customer_name(root: ShopOrder, info: Any) -> Any:
        return then(
            loaders.OrderByIdLoader(info.context).load(root.order_id), lambda o: o.customer_name
        )

    @staticmethod
    def resolve_vendor(root: ShopOrder, info: Any) -> Any:
        return vendor_loaders.VendorByIdLoader(info.context).load(root.vendor_id)

    @staticmethod
    def resolve_delivery_method(root: ShopOrder, _info: Any) -> Any:
        return root.delivery_method or None

    @staticmethod
    def resolve_vat_breakdown(root: ShopOrder, _info: Any) -> Any:
        return [
            {
                "rate": D(rate),
                "base": Money.of(D(item["base"]), root.currency),
                "vat": Money.of(D(item["vat"]), root.currency),
                "total": Money.of(D(item["total"]), root.currency),
            }
            for rate, item in sorted(root.vat_breakdown.items(), key=lambda kv: D(kv[0]))
        ]

    @staticmethod
    def resolve_lines(root: ShopOrder, info: Any) -> Any:
        def stamp(lines: list[OrderLine]) -> list[OrderLine]:
            for line in lines:
                line.currency = root.currency  # type: ignore[attr-defined]
            return lines

        return then(loaders.OrderLinesByShopOrderIdLoader(info.context).load(root.pk), stamp)


class ShopOrderConnection(CountableConnection):
    class Meta:
        node = ShopOrderType


class OrderType(graphene.ObjectType):
    """What a customer ordered at once; it splits into one ShopOrder per shop."""

    class Meta:
        name = "Order"
        interfaces = (relay.Node,)
        possible_types = (Order,)

    number = graphene.String(required=True)
    status = graphene.Field(OrderStatusEnum, required=True)
    email = graphene.String(required=True)
    customer_name = graphene.String(
        required=True, description="Who the order is for (empty when it was placed without one)."
    )
    token = graphene.UUID(description="A guest's key to follow the order (owner only).")
    subtotal = money_field("subtotal", required=True)
    delivery_total = money_field("delivery_total", required=True)
    total = money_field("total", required=True)
    shop_orders = graphene.List(graphene.NonNull(ShopOrderType), required=True)
    created_at = graphene.DateTime(required=True)
    paid_at = graphene.DateTime()

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:

        order = Order.objects.filter(pk=pk).first()
        return order if order and can_see_order(info, order) else None

    @staticmethod
    def resolve_token(root: Order, info: Any) -> Any:
        user = info.context.user
        if root.pk in order_visible_tokens(info) or (
            user.is_authenticated and user.pk == root.user_id
        ):
            return root.token
        return None

    @staticmethod
    def resolve_shop_orders(root: Order, info: Any) -> Any:
        return loaders.ShopOrdersByOrderIdLoader(info.context).load(root.pk)


class OrderConnection(CountableConnection):
    class Meta:
        node = OrderType
