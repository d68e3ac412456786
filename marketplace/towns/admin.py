from django.contrib import admin

from marketplace.towns.models import Town, TownStaff


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "currency", "timezone")
    search_fields = ("name", "slug")


@admin.register(TownStaff)
class TownStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "town", "role")
    list_filter = ("town", "role")
    raw_id_fields = ("user", "granted_by")
