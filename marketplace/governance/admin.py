from django.contrib import admin

from marketplace.governance.models import CommissionRule


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = (
        "town",
        "vendor",
        "category",
        "percentage",
        "fixed_amount",
        "valid_from",
        "valid_until",
    )
    list_filter = ("town",)
