"""Read-only: a cart and its reservations (which hold stock back from other buyers) change
through the customers' pages and the API only."""

from django.contrib import admin

from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from marketplace.core.admin import ReadOnlyAdmin, ReadOnlyInline


class CheckoutLineInline(ReadOnlyInline):
    model = CheckoutLine
    raw_id_fields = ("variant",)


class CheckoutDeliveryInline(ReadOnlyInline):
    model = CheckoutDelivery
    raw_id_fields = ("vendor",)


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "town", "email", "user", "updated_at")
    list_filter = ("town",)
    search_fields = ("email",)
    raw_id_fields = ("user",)
    inlines = (CheckoutLineInline, CheckoutDeliveryInline)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("checkout", "variant", "quantity", "expires_at")
    raw_id_fields = ("checkout", "variant")
