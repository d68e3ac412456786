"""The one writer of `Order.status` and `ShopOrder.status`.

Every status change goes through these functions: each checks the move against the tables
of `transitions.py` (an invalid one is `INVALID_TRANSITION` on `id` and changes nothing) and, when
its caller says a notification is due (`notify`, never implied), records the emails of the move in
the same transaction. `tests/orders/test_status_writer.py` fails when a status is written anywhere
else. Callers run inside a transaction and hold the rows they move (or their order) locked.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.updates import (
    Statement,
    compiled_update_statement,
    statements_returning,
    statements_run,
)
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import Order, OrderStatus, ShopOrder, ShopOrderStatus
from marketplace.orders.notifications import notify_order, notify_order_queued
from marketplace.orders.transitions import (
    REFUND_FAILED_RETURNS,
    order_transition_allowed,
    shop_order_transition_allowed,
)

S = ShopOrderStatus

# The event told when one shop order moves to a state (see `emails.py` for who hears it).
# `refunded` has none here: payments sends its own refund emails.
SHOP_ORDER_EVENTS: dict[str, str] = {
    S.ACCEPTED: "accepted",
    S.READY: "ready",
    S.FULFILLED: "fulfilled",
    S.REFUSED: "refused",
    S.CANCELLED: "cancelled",
}

# The event told when all the shop orders of an order move together: one task for the whole
# order (for `paid`: the customer's confirmation and each shop's "new order").
ORDER_WIDE_EVENTS: dict[str, str] = {
    S.PAID: "order_paid",
    S.CANCELLED: "order_cancelled",
}


def _invalid(message: str, from_status: str, to_status: str) -> ValidationError:
    return ValidationError(
        {
            "id": ValidationError(
                message,
                code=OrderErrorCode.INVALID_TRANSITION.value,
                params={"from": from_status, "to": to_status},
            )
        }
    )


def _check_shop_order(
    from_status: str, to_status: str, *, notify: bool, events: dict[str, str]
) -> None:
    if not shop_order_transition_allowed(from_status, to_status):
        raise _invalid(_("A shop order cannot go from %(from)s to %(to)s."), from_status, to_status)
    if notify and to_status not in events:
        raise ValueError(f"No notification for a shop order moving to {to_status}.")


def shop_order_move(*, shop_order: ShopOrder, to: str, reason: str = "", notify: bool) -> str:
    """Moves one locked shop order to `to` (with the reason told to the customer, if any);
    returns the state it left. `notify`: record the event of `to` (SHOP_ORDER_EVENTS)."""
    from_status = shop_order.status
    _check_shop_order(from_status, to, notify=notify, events=SHOP_ORDER_EVENTS)
    shop_order.status = to
    fields = ["status", "updated_at"]
    if reason:
        shop_order.status_reason = reason
        fields.append("status_reason")
    shop_order.save(update_fields=fields)
    if notify:
        notify_order(
            order_id=shop_order.order_id, event=SHOP_ORDER_EVENTS[to], shop_order_id=shop_order.pk
        )
    return from_status


def shop_order_move_refunded(*, shop_order: ShopOrder) -> str:
    """A refund in full: moves one locked shop order to `refunded`, remembering the state it
    left (where a failed refund takes it back); returns that state. Notifies nothing: payments
    tells of the refund itself (payments/emails.py)."""
    from_status = shop_order.status
    _check_shop_order(from_status, S.REFUNDED, notify=False, events=SHOP_ORDER_EVENTS)
    fields = ["status", "updated_at"]
    if from_status != S.REFUNDED:
        shop_order.status_before_refund = from_status
        fields.append("status_before_refund")
    shop_order.status = S.REFUNDED
    shop_order.save(update_fields=fields)
    return from_status


def shop_order_move_refund_failed(*, shop_order: ShopOrder) -> str | None:
    """A refund of a locked shop order failed: if it is `refunded`, it is no longer refunded in
    full, so it goes back by the state the refund took it from (REFUND_FAILED_RETURNS). Returns
    the state it moved to; None when it stays (not `refunded`, or refunded before that state
    was kept). Notifies nothing: payments tells of the failure (payments/emails.py)."""
    to = REFUND_FAILED_RETURNS.get(shop_order.status_before_refund)
    if shop_order.status != S.REFUNDED or to is None:
        return None
    shop_order.status = to
    shop_order.save(update_fields=["status", "updated_at"])
    return to


def shop_orders_move(*, order_id: int, from_: str, to: str, reason: str = "", notify: bool) -> int:
    """Moves every shop order of an order still in `from_` to `to`, in one UPDATE; returns how
    many moved. The caller holds the order row locked; PostgreSQL re-checks the status of a
    row it had to wait for. `notify`: record the order-wide event of `to` (ORDER_WIDE_EVENTS)."""
    _check_shop_order(from_, to, notify=notify, events=ORDER_WIDE_EVENTS)
    fields: dict[str, object] = {"status": to, "updated_at": timezone.now()}
    if reason:
        fields["status_reason"] = reason
    moved = ShopOrder.objects.filter(order_id=order_id, status=from_).update(**fields)
    if notify:
        notify_order(order_id=order_id, event=ORDER_WIDE_EVENTS[to])
    return moved


def _order_fields(order: Order, to: str) -> dict[str, object]:
    """The order's move to `to` checked and made on the instance: the columns it changes."""
    from_status = order.status
    if not order_transition_allowed(from_status, to):
        raise _invalid(_("An order cannot go from %(from)s to %(to)s."), from_status, to)
    now = timezone.now()
    order.status = to
    order.updated_at = now
    fields: dict[str, object] = {"status": to, "updated_at": now}
    if to == OrderStatus.PAID:
        order.paid_at = now
        fields["paid_at"] = now
    return fields


def order_move(*, order: Order, to: str) -> str:
    """Moves one locked order to `to` (`paid` also sets `paid_at`); returns the state it left.
    An order's own moves notify nothing: its shop orders' move tells the customer and shops."""
    from_status = order.status
    fields = _order_fields(order, to)
    order.save(update_fields=list(fields))
    return from_status


def order_move_with_shop_orders(
    *,
    order: Order,
    to: str,
    shop_orders_from: str,
    shop_orders_to: str,
    notify: bool,
    shop_orders: Sequence[ShopOrder] = (),
    also: Sequence[Statement] = (),
) -> str:
    """`order_move` and `shop_orders_move` (of its shop orders still in `shop_orders_from`)
    together, in one statement on PostgreSQL; returns the state the order left. `shop_orders`:
    the caller's instances of the order's shop orders, updated as their rows are; `also`: other
    writes of the caller's (rows of other tables) made in the same statement. `notify`: record
    the order-wide event of `shop_orders_to` (ORDER_WIDE_EVENTS), its outbox row inserted in
    that statement too."""
    _check_shop_order(shop_orders_from, shop_orders_to, notify=notify, events=ORDER_WIDE_EVENTS)
    from_status = order.status
    fields = _order_fields(order, to)
    moved = {"status": shop_orders_to, "updated_at": fields["updated_at"]}
    # Both UPDATEs compiled once per process (marketplace.core.updates): a checkout's hot path.
    statements = [
        compiled_update_statement(
            ShopOrder, where={"order_id": order.pk, "status": shop_orders_from}, values=moved
        ),
        compiled_update_statement(Order, where={"pk": order.pk}, values=fields),
        *also,
    ]
    if notify:
        # The notification's outbox row is inserted in the same statement.
        queued = notify_order_queued(order_id=order.pk, event=ORDER_WIDE_EVENTS[shop_orders_to])
        [message_pk] = statements_returning(
            using=Order.objects.db, statements=[*statements, queued.statement]
        )
        queued.inserted(message_pk)
    else:
        statements_run(using=Order.objects.db, statements=statements)
    for shop_order in shop_orders:
        if shop_order.status == shop_orders_from:
            shop_order.status = shop_orders_to
            shop_order.updated_at = fields["updated_at"]  # type: ignore[assignment]
    return from_status
