"""Labels in the request's language: `{{ shop_order.delivery_method|fulfilment_label }}` (the
method's name), `{{ error.field|import_column }}` (a CSV import error's column, as the import
page names it)."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from vendors.csv_import import column_name
from vendors.models import FulfilmentMethodName

register = template.Library()


@register.filter
def fulfilment_label(value: str) -> str:
    try:
        return str(FulfilmentMethodName(value).label)
    except ValueError:
        return value


@register.filter
def import_column(value: str | None) -> str | None:
    if not value:
        return value
    return column_name(value, language=get_language())
