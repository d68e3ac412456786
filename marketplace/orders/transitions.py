"""The ShopOrder state machine, shared by the orders lifecycle and payments (refunds)."""

from __future__ import annotations

from marketplace.orders.models import ShopOrderStatus as S

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

# States in which the shop still holds stock allocated for the shop order.
HOLDS_STOCK: frozenset[str] = frozenset({S.UNCONFIRMED, S.PAID, S.ACCEPTED, S.READY})

# States where the customer has paid (a cancel/refuse from here triggers a refund).
PAID_STATES: frozenset[str] = frozenset({S.PAID, S.ACCEPTED, S.READY, S.FULFILLED})

# The customer may cancel until the shop accepts.
CUSTOMER_CANCELLABLE: frozenset[str] = frozenset({S.UNCONFIRMED, S.PAID})

# The shop has taken the order on (the customer must ask it to cancel).
ACCEPTED_STATES: frozenset[str] = frozenset({S.ACCEPTED, S.READY})


def shop_order_transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
