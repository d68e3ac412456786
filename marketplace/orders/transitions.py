"""The Order and ShopOrder state machines, shared by the orders lifecycle and payments (refunds).

Every status is written by `marketplace/orders/status.py`, which checks these tables.
"""

from __future__ import annotations

from marketplace.orders.models import OrderStatus
from marketplace.orders.models import ShopOrderStatus as S

# from -> the states an Order may move to (`order_mark_paid`, `order_cancel_unpaid`,
# `order_close_if_done`).
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.UNPAID: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.CLOSED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.CLOSED: frozenset(),
}

# from -> the states it may move to. `refunded` is reached by payments (shopOrderRefund);
# a partial refund may be followed by another one, hence refunded -> refunded.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.UNCONFIRMED: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.ACCEPTED, S.REFUSED, S.CANCELLED, S.REFUNDED}),
    S.ACCEPTED: frozenset({S.READY, S.CANCELLED, S.REFUNDED}),
    S.READY: frozenset({S.FULFILLED, S.CANCELLED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.REFUNDED}),
    S.REFUSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset({S.REFUNDED}),
}

# The shop orders still to be handled: their order is closed once none of them is open.
OPEN_STATES: frozenset[str] = frozenset({S.UNCONFIRMED, S.PAID, S.ACCEPTED, S.READY})

# States in which the shop still holds stock allocated for the shop order: the open ones.
HOLDS_STOCK: frozenset[str] = OPEN_STATES

# States where the customer has paid (a cancel/refuse from here triggers a refund).
PAID_STATES: frozenset[str] = frozenset({S.PAID, S.ACCEPTED, S.READY, S.FULFILLED})

# The customer may cancel until the shop accepts.
CUSTOMER_CANCELLABLE: frozenset[str] = frozenset({S.UNCONFIRMED, S.PAID})

# The shop has taken the order on (the customer must ask it to cancel).
ACCEPTED_STATES: frozenset[str] = frozenset({S.ACCEPTED, S.READY})


# States from which a shop order may be refunded (again, after a partial refund): paid once.
REFUNDABLE_STATES: frozenset[str] = PAID_STATES | {S.CANCELLED, S.REFUSED, S.REFUNDED}


# A refund in full that fails (refused by the provider, or undone later) takes the shop order back
# out of `refunded`, by the state the refund took it from: goods handed over stay `fulfilled`; an
# open shop order, whose stock the refund released, is `cancelled` (it will not be served). Only
# payments' failed refunds take these moves (status.shop_order_move_refund_failed).
REFUND_FAILED_RETURNS: dict[str, str] = {
    S.FULFILLED: S.FULFILLED,
    S.PAID: S.CANCELLED,
    S.ACCEPTED: S.CANCELLED,
    S.READY: S.CANCELLED,
}


def shop_order_transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def shop_order_may_be_cancelled(status: str, *, by_customer: bool = False) -> bool:
    """Whether to offer cancelling a shop order on its own: never while its order is unpaid
    (`unconfirmed`: the whole order is cancelled then), by the customer only until the shop
    accepts (`lifecycle.shop_order_cancel` says why when it refuses one all the same)."""
    if status == S.UNCONFIRMED or (by_customer and status not in CUSTOMER_CANCELLABLE):
        return False
    return shop_order_transition_allowed(status, S.CANCELLED)


def order_transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ORDER_TRANSITIONS.get(from_status, frozenset())
