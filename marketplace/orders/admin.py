"""Read-only: orders and their lines change through their lifecycle services only (payments,
shop orders' transitions, refunds), which keep the money, the stock and the ledger in step."""

from django.contrib import admin

from marketplace.core.admin import ReadOnlyAdmin, ReadOnlyInline
from marketplace.orders.models import Order, OrderLine, ShopOrder


class ShopOrderInline(ReadOnlyInline):
    model = ShopOrder
    fields = ("vendor", "status", "subtotal", "delivery_fee", "commission", "payout")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "town", "email", "status", "total", "created_at")
    list_filter = ("town", "status")
    search_fields = ("number", "email")
    inlines = (ShopOrderInline,)


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ("sku", "product_name", "quantity", "unit_price", "total")


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "product_name", "quantity", "unit_price", "total", "vat_rate")


@admin.register(ShopOrder)
class ShopOrderAdmin(ReadOnlyAdmin):
    list_display = ("order", "vendor", "status", "subtotal", "delivery_fee", "commission", "payout")
    list_filter = ("status", "vendor__town")
    search_fields = ("order__number", "vendor__name")
    inlines = (OrderLineInline,)
