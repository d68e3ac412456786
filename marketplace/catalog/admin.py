from django.contrib import admin

from marketplace.catalog.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "parent", "vat_rate")
