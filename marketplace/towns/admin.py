"""Read-only: towns are loaded from their file (`make load-towns`), staff roles are granted and
revoked through the association's pages and the API, which audit them."""

from django.contrib import admin

from marketplace.core.admin import ReadOnlyAdmin
from marketplace.towns.models import Town, TownStaff


@admin.register(Town)
class TownAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "currency", "timezone")
    search_fields = ("name", "slug")


@admin.register(TownStaff)
class TownStaffAdmin(ReadOnlyAdmin):
    list_display = ("user", "town", "role")
    list_filter = ("town", "role")
    raw_id_fields = ("user", "granted_by")
