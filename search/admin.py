from django.contrib import admin

from marketplace.core.admin import ReadOnlyAdmin
from search.models import IndexQueue


@admin.register(IndexQueue)
class IndexQueueAdmin(ReadOnlyAdmin):
    """Products waiting to be (re)indexed; the beat sweeper empties it (a row deleted by hand
    would leave its product unindexed: read-only)."""

    list_display = ("product_id", "town_id", "marked_at", "attempts", "last_error")
    list_filter = ("town_id",)
