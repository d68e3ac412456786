"""What the order lifecycle asks of payments. The only entry points orders/checkout call.

(Until the payments issue lands: the dummy gateway, paid at once.)
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.orders.models import Order


@dataclass(frozen=True)
class PaymentStart:
    gateway: str  # "dummy" | "stripe"
    status: str  # "pending" | "succeeded" | "failed"
    client_secret: str | None


def payment_start(*, order: Order) -> PaymentStart:
    """Starts the payment of a new order. Called inside checkoutComplete's transaction.

    The dummy gateway marks the order paid at once (through the orders lifecycle).
    """
    from marketplace.orders.lifecycle import order_mark_paid

    order_mark_paid(order_id=order.pk)
    return PaymentStart(gateway="dummy", status="succeeded", client_secret=None)


def on_shop_order_fulfilled(*, shop_order_id: int) -> None:
    """Called on commit after a shop order is fulfilled: pays the shop (transfer)."""


def on_shop_order_cancelled(*, shop_order_id: int) -> None:
    """Called on commit after a paid shop order is cancelled or refused: refunds the customer."""
