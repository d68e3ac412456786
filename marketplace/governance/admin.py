from django.contrib import admin
from django.http import HttpRequest

from marketplace.governance.models import AuditEntry, CommissionRule, TownSettings


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    """Read-only: rules change through the API, which versions and audits them."""

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

    def has_change_permission(
        self, request: HttpRequest, obj: CommissionRule | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: CommissionRule | None = None
    ) -> bool:
        return False


@admin.register(TownSettings)
class TownSettingsAdmin(admin.ModelAdmin):
    """Read-only: settings change through townSettingsUpdate, which audits them."""

    list_display = ("town", "refund_commission", "stripe_fees_payer", "updated_at")

    def has_change_permission(self, request: HttpRequest, obj: TownSettings | None = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "town", "action", "object_type", "object_id", "actor_role")
    list_filter = ("town", "action")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
