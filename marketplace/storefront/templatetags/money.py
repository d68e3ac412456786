"""`{{ amount|money:currency }}`: money in the language of the request (`1 234,56 €`, `€1,234.56`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    if amount is None or amount == "":
        return ""
    # Babel writes French amounts with a narrow no-break space before the symbol, as typography wants.
    return format_currency(
        Decimal(amount), currency or "EUR", locale=to_locale(get_language() or "fr")
    )
