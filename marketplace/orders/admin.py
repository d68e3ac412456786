from django.contrib import admin
from django.http import HttpRequest

from marketplace.orders.models import Order, OrderLine, ShopOrder


class ShopOrderInline(admin.TabularInline):
    model = ShopOrder
    extra = 0
    can_delete = False
    readonly_fields = ("vendor", "status", "subtotal", "delivery_fee", "commission", "payout")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "town", "email", "status", "total", "created_at")
    list_filter = ("town", "status")
    search_fields = ("number", "email")
    inlines = (ShopOrderInline,)


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("sku", "product_name", "quantity", "unit_price", "total")
    raw_id_fields = ("shop_order", "variant")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ("sku", "product_name", "quantity", "unit_price", "total", "vat_rate")
    exclude = ("variant",)


@admin.register(ShopOrder)
class ShopOrderAdmin(admin.ModelAdmin):
    """Read-only: shop orders change state through their lifecycle services only."""

    list_display = ("order", "vendor", "status", "subtotal", "delivery_fee", "commission", "payout")
    list_filter = ("status", "vendor__town")
    search_fields = ("order__number", "vendor__name")
    inlines = (OrderLineInline,)

    def has_change_permission(self, request: HttpRequest, obj: ShopOrder | None = None) -> bool:
        return False
