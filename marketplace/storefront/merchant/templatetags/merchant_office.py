"""`{{ shop_order.delivery_method|fulfilment_label }}`: the method's name in the request's language."""

from __future__ import annotations

from django import template

from vendors.models import FulfilmentMethodName

register = template.Library()


@register.filter
def fulfilment_label(value: str) -> str:
    try:
        return str(FulfilmentMethodName(value).label)
    except ValueError:
        return value
