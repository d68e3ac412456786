"""What came of an order for its customer: what they paid, what was refunded (and so what they
paid in the end), and whether a shop's part was stopped (cancelled, refused or refunded in full).

The one home of these figures for the customer's and the association's pages. They come from
the order's shop orders: `ShopOrder.refunded_amount` is the sum of its refunds not failed (made
or under way; payments keeps it, `payments.ledger_check` checks it against the refunds). Read
from `order.shop_orders.all()`: prefetch them for a list of orders, no query per order then.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marketplace.core.money import ZERO
from marketplace.orders.models import Order, OrderStatus, ShopOrderStatus

# The orders whose payment went through (a shop's part may have been refunded since).
PAID_ORDER_STATES: frozenset[str] = frozenset({OrderStatus.PAID, OrderStatus.CLOSED})

# A shop's part that will not be served as ordered: cancelled, refused, or refunded in full.
STOPPED_STATES: frozenset[str] = frozenset(
    {ShopOrderStatus.CANCELLED, ShopOrderStatus.REFUSED, ShopOrderStatus.REFUNDED}
)


@dataclass(frozen=True)
class OrderOutcome:
    paid: Decimal  # what the customer paid (0 while unpaid, or cancelled unpaid)
    refunded: Decimal  # refunds of its shop orders not failed (made or under way)
    currency: str
    parts: int  # shop orders
    parts_stopped: int  # of them cancelled, refused or refunded in full, after payment

    @property
    def net(self) -> Decimal:
        """What the customer paid in the end: paid less refunded."""
        return self.paid - self.refunded

    @property
    def some_part_stopped(self) -> bool:
        return self.parts_stopped > 0

    @property
    def all_parts_stopped(self) -> bool:
        return self.parts > 0 and self.parts_stopped == self.parts


def order_outcome(*, order: Order) -> OrderOutcome:
    """The order's paid, refunded and net amounts and its stopped parts, from its shop orders
    (prefetched ones when they are)."""
    shop_orders = list(order.shop_orders.all())
    paid = order.total if order.status in PAID_ORDER_STATES else ZERO
    return OrderOutcome(
        paid=paid,
        refunded=sum((s.refunded_amount for s in shop_orders), ZERO) if paid else ZERO,
        currency=order.currency,
        parts=len(shop_orders),
        parts_stopped=sum(1 for s in shop_orders if s.status in STOPPED_STATES) if paid else 0,
    )
