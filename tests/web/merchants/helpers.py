"""Helpers of the merchants' back-office tests: a paid order of one shop."""

from __future__ import annotations

from typing import Any

from django.test import TestCase

from marketplace.orders.models import Order, ShopOrder
from tests.factories import OrderFactory
from tests.payments.factories import start_payment


def paid_order(
    town: Any,
    shop: Any,
    *,
    goods: str = "20.00",
    fee: str = "0.00",
    commission: str = "1.00",
    email: str = "client@example.org",
) -> ShopOrder:
    """A paid order of one shop (dummy gateway), its stock allocated; returns the shop order."""
    order: Order = OrderFactory(town=town, shops=[(shop, goods, fee, commission)], email=email)
    with TestCase.captureOnCommitCallbacks(execute=True):
        start_payment(order)
    return ShopOrder.objects.get(order=order, vendor=shop)
