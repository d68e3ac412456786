"""Shops, their catalogue and stock: read-only here. Their writes go through the merchants' and
the association's pages and the API, which record stock movements, renew the search index and
the cached pages, and audit the association's decisions. A shop's members and invitations stay
editable: the superusers' way to give a shop back to its people."""

from django.contrib import admin

from marketplace.core.admin import ReadOnlyAdmin, ReadOnlyInline
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


class FulfilmentMethodInline(ReadOnlyInline):
    model = FulfilmentMethod


class VendorMemberInline(ReadOnlyInline):
    model = VendorMember
    raw_id_fields = ("user",)


@admin.register(Vendor)
class VendorAdmin(ReadOnlyAdmin):
    list_display = ("name", "town", "slug", "status")
    list_filter = ("town", "status")
    search_fields = ("name", "slug", "email")
    inlines = (FulfilmentMethodInline, VendorMemberInline)


class VariantInline(ReadOnlyInline):
    model = Variant
    exclude = ("vendor",)


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "vendor", "category")
    list_filter = ("vendor__town", "category")
    search_fields = ("name", "slug")
    raw_id_fields = ("vendor",)
    inlines = (VariantInline,)


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ("variant", "quantity", "quantity_allocated")
    raw_id_fields = ("variant",)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("stock", "delta", "quantity_after", "reason", "user", "created_at")
    raw_id_fields = ("stock", "user")


@admin.register(Variant)
class VariantAdmin(ReadOnlyAdmin):
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
