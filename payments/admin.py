"""Read-only admin for payments: money moves through the payment services only, never by hand."""

from django.contrib import admin

from marketplace.core.admin import ReadOnlyAdmin
from payments.models import (
    ConnectedAccount,
    Dispute,
    LedgerEntry,
    Payment,
    Refund,
    Transfer,
    WebhookEvent,
)


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    list_display = ("vendor", "account_id", "charges_enabled", "payouts_enabled", "updated_at")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("order", "gateway", "status", "amount", "currency", "fee", "created_at")
    list_filter = ("gateway", "status")
    search_fields = ("order__number", "intent_id", "charge_id")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("shop_order", "vendor", "status", "amount", "reversed_amount", "sent_at")
    list_filter = ("status",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "shop_order",
        "sequence",
        "status",
        "amount",
        "shop_share",
        "commission_refunded",
    )
    list_filter = ("status",)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("payment", "dispute_id", "amount", "reason", "status", "created_at")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "status", "attempts", "created")
    list_filter = ("type", "status")
    search_fields = ("event_id",)
    exclude = ("payload",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "kind",
        "debit",
        "credit",
        "amount",
        "currency",
        "order",
        "vendor",
    )
    list_filter = ("kind", "town")
