from django.contrib import admin

from marketplace.core.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "task_name",
        "cause_type",
        "cause_id",
        "reason",
        "attempts",
        "created_at",
        "delivered_at",
    )
    list_filter = ("task_name", "reason")
    search_fields = ("cause_id", "task_name")
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
