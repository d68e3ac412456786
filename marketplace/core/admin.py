"""The admin of the platform's superusers: a window on the data, read-only wherever a write has
effects that only a service makes (a status moved, stock counted with its movement, the search
index and the cached pages renewed, the change audited): those are made through the API and the
web pages, never by hand here."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from marketplace.core.models import OutboxMessage


class _NoWrites:
    """No add, change or delete permission, whoever asks (`obj` given to inlines only)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(_NoWrites, admin.ModelAdmin):
    """Shown, never added, changed or deleted by hand."""


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    """The same, as an inline of a read-only admin."""

    extra = 0


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """A message deleted or changed by hand would be a side effect lost: read-only."""

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
