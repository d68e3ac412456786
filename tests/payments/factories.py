"""Payments helpers of the tests: a shop able to receive transfers, a payment started as
checkoutComplete starts it (orders: tests.factories.OrderFactory)."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.db import transaction

from marketplace.orders.models import Order
from payments.models import ConnectedAccount

_numbers = count(1)


def payable(vendor: Any, account_id: str = "") -> ConnectedAccount:
    """The shop's connected account, able to receive transfers."""
    return ConnectedAccount.objects.create(
        vendor=vendor,
        gateway="stripe",
        account_id=account_id or f"acct_test_{vendor.pk}",
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )


def start_payment(order: Order) -> Any:
    """payment_start inside a transaction, as checkoutComplete does."""
    from payments.charges import payment_start_for_order as payment_start

    with transaction.atomic():
        return payment_start(order=order)
