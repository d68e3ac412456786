"""`{{ amount|money:currency }}`: money in the language of the request (`1 234,56 €`, `€1,234.56`)."""

from __future__ import annotations

from typing import Any

from django import template

from marketplace.core.money import money_text

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "EUR") -> str:
    if amount is None or amount == "":
        return ""
    return money_text(amount, currency)
