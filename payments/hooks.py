"""What the order lifecycle asks of payments. The only entry points orders/checkout call."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from marketplace.orders.models import Order
from payments.queue import enqueue


@dataclass(frozen=True)
class PaymentStart:
    gateway: str  # "dummy" | "stripe"
    status: str  # "pending" | "succeeded" | "failed"
    client_secret: str | None


def payment_start(*, order: Order) -> PaymentStart:
    """Starts the payment of a new order. Called inside checkoutComplete's transaction.

    The dummy gateway marks the order paid at once (through the orders lifecycle); Stripe
    creates the PaymentIntent and returns its client secret (paid on `payment_intent.succeeded`).
    Calling it again for the same order returns the same payment. Raises ValidationError
    (code GATEWAY_ERROR, field "payment") when the provider cannot be reached.
    """
    from payments.charges import payment_start_for_order

    outcome = payment_start_for_order(order=order)
    return PaymentStart(
        gateway=outcome.gateway, status=outcome.status, client_secret=outcome.client_secret
    )


def payment_abandon(*, order_id: int, reason: str) -> bool:
    """The customer gives up an unpaid order: its payment is canceled (the intent too, on
    commit) and the order cancelled with its stock released. False, changing nothing, when the
    payment has already succeeded. Runs in the caller's transaction."""
    from payments.charges import payment_end_unpaid
    from payments.models import PaymentStatus

    return payment_end_unpaid(
        order_id=order_id, status=PaymentStatus.CANCELED, reason=reason, cancel_intent=True
    )


def on_shop_order_fulfilled(*, shop_order_id: int) -> None:
    """Called on commit after a shop order is fulfilled: pays the shop (transfer)."""
    if getattr(settings, "TRANSFER_TRIGGER", "fulfilment") == "fulfilment":
        enqueue("schedule_transfer", shop_order_id)


def on_shop_order_cancelled(*, shop_order_id: int) -> None:
    """Called on commit after a paid shop order is cancelled or refused: refunds the customer."""
    enqueue("refund_cancelled_shop_order", shop_order_id)
