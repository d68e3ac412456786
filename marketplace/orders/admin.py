from django.contrib import admin

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
