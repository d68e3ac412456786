from django.contrib import admin

from search.models import IndexQueue


@admin.register(IndexQueue)
class IndexQueueAdmin(admin.ModelAdmin):
    """Products waiting to be (re)indexed; the beat sweeper empties it."""

    list_display = ("product_id", "town_id", "marked_at", "attempts", "last_error")
    list_filter = ("town_id",)
