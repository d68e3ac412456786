from django.contrib import admin

from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation


class CheckoutLineInline(admin.TabularInline):
    model = CheckoutLine
    extra = 0
    raw_id_fields = ("variant",)


class CheckoutDeliveryInline(admin.TabularInline):
    model = CheckoutDelivery
    extra = 0
    raw_id_fields = ("vendor",)


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ("id", "town", "email", "user", "updated_at")
    list_filter = ("town",)
    search_fields = ("email",)
    raw_id_fields = ("user",)
    inlines = (CheckoutLineInline, CheckoutDeliveryInline)


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("checkout", "variant", "quantity", "expires_at")
    raw_id_fields = ("checkout", "variant")
