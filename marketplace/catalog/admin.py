"""Read-only: the town-wide categories (and their VAT rates) are loaded from the towns file
(`make load-towns`), which renews the search index of the products they name."""

from django.contrib import admin

from marketplace.catalog.models import Category
from marketplace.core.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ("slug", "name", "parent", "vat_rate")
