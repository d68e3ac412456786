"""`{{ amount|money:currency }}`: money in the language of the request (`1 234,56 €`, `€1,234.56`)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    if amount is None or amount == "":
        return ""
    return _formatted(Decimal(amount), currency or "EUR", to_locale(get_language() or "fr"))


@lru_cache(maxsize=4096)
def _formatted(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's formatting (about 40 µs) once per amount, currency and locale in a process: a
    page of prices shows the same few amounts again and again."""
    # Babel writes French amounts with a narrow no-break space before the symbol, as typography wants.
    return format_currency(amount, currency, locale=locale)
