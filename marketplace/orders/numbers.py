"""Human order numbers: MP-<year>-<000123>, unique because built from the order's primary key."""

from __future__ import annotations

from django.conf import settings

from marketplace.orders.models import Order


def order_number(*, order: Order) -> str:
    prefix = getattr(settings, "ORDER_NUMBER_PREFIX", "MP")
    return f"{prefix}-{order.created_at:%Y}-{order.pk:06d}"
