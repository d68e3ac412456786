from django.contrib import admin

from vendors.models import (
    FulfilmentMethod,
    Product,
    Stock,
    StockMovement,
    Variant,
    Vendor,
    VendorInvitation,
    VendorMember,
)


class FulfilmentMethodInline(admin.TabularInline):
    model = FulfilmentMethod
    extra = 0


class VendorMemberInline(admin.TabularInline):
    model = VendorMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ("name", "town", "slug", "status")
    list_filter = ("town", "status")
    search_fields = ("name", "slug", "email")
    inlines = (FulfilmentMethodInline, VendorMemberInline)


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    exclude = ("vendor",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "vendor", "category")
    list_filter = ("vendor__town", "category")
    search_fields = ("name", "slug")
    raw_id_fields = ("vendor",)
    inlines = (VariantInline,)


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("variant", "quantity", "quantity_allocated")
    raw_id_fields = ("variant",)


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ("stock", "delta", "quantity_after", "reason", "user", "created_at")
    raw_id_fields = ("stock", "user")


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("sku", "product", "name", "price", "vat_rate")
    search_fields = ("sku", "product__name")
    raw_id_fields = ("product", "vendor")


@admin.register(VendorMember)
class VendorMemberAdmin(admin.ModelAdmin):
    list_display = ("vendor", "user", "role")
    raw_id_fields = ("vendor", "user")


@admin.register(VendorInvitation)
class VendorInvitationAdmin(admin.ModelAdmin):
    list_display = ("vendor", "email", "role", "created_at", "accepted_at")
    raw_id_fields = ("vendor", "invited_by")
    exclude = ("token",)
