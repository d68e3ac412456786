"""Read-only: commission rules, town settings and the audit log change through the association's
pages and the API, which version and audit them."""

from django.contrib import admin

from marketplace.core.admin import ReadOnlyAdmin
from marketplace.governance.models import AuditEntry, CommissionRule, TownSettings


@admin.register(CommissionRule)
class CommissionRuleAdmin(ReadOnlyAdmin):
    list_display = (
        "town",
        "vendor",
        "category",
        "percentage",
        "fixed_amount",
        "valid_from",
        "valid_until",
        "previous",
    )
    list_filter = ("town",)


@admin.register(TownSettings)
class TownSettingsAdmin(ReadOnlyAdmin):
    list_display = ("town", "refund_commission", "stripe_fees_payer", "updated_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "town", "action", "object_type", "object_id", "actor_role")
    list_filter = ("town", "action")
