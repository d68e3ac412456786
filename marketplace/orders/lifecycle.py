"""The order lifecycle: payment, cancellation and each shop order's transitions.

Entry points of payments: `order_mark_paid` and `order_cancel_unpaid` (both idempotent).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.core.updates import Statement, statements_run
from marketplace.governance.audit import audit_record
from marketplace.governance.models import AuditAction
from marketplace.orders.allocation import lines_consume, lines_release
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    ShopOrder,
    ShopOrderStatus,
)
from marketplace.orders.status import (
    SHOP_ORDER_EVENTS,
    order_move,
    order_move_with_shop_orders,
    shop_order_move,
    shop_orders_move,
)
from marketplace.orders.transitions import (
    ACCEPTED_STATES,
    CUSTOMER_CANCELLABLE,
    OPEN_STATES,
    PAID_STATES,
)

# The one way orders reach payments: its tasks, recorded in the outbox with their cause (the
# layers contract in pyproject.toml allows lifecycle → payments.tasks and nothing else upward).
from payments.tasks import refund_cancelled_shop_order, schedule_transfer


def order_mark_paid(
    *, order: Order, shop_orders: Sequence[ShopOrder] = (), also: Sequence[Statement] = ()
) -> Order:
    """unpaid -> paid, and its unconfirmed shop orders -> paid (one statement); notifies.
    Idempotent.

    The caller holds the order row locked (and `order` is updated, and `shop_orders`, the
    caller's instances of its shop orders, if any). `also`: the caller's other writes (rows of
    other tables), made in the same statement, and also when the order was paid already. Runs
    in the caller's transaction (no savepoint: an error aborts it all).
    """
    with transaction.atomic(savepoint=False):
        if order.status != OrderStatus.UNPAID:
            statements_run(using=Order.objects.db, statements=also)
            return order
        # Notified: one task, the customer's confirmation and each shop's "new order" email.
        order_move_with_shop_orders(
            order=order,
            to=OrderStatus.PAID,
            shop_orders_from=ShopOrderStatus.UNCONFIRMED,
            shop_orders_to=ShopOrderStatus.PAID,
            notify=True,
            shop_orders=shop_orders,
            also=also,
        )
    return order


def order_cancel_unpaid(*, order_id: int, reason: str) -> Order:
    """Cancels an unpaid order and all its shop orders, releasing their stock. Idempotent."""
    with transaction.atomic(savepoint=False):
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != OrderStatus.UNPAID:
            return order
        order_move(order=order, to=OrderStatus.CANCELLED)
        # An unpaid order's shop orders are all unconfirmed. Notified: one task, the customer's.
        shop_orders_move(
            order_id=order.pk,
            from_=ShopOrderStatus.UNCONFIRMED,
            to=ShopOrderStatus.CANCELLED,
            reason=reason,
            notify=True,
        )
        lines_release(
            lines=list(OrderLine.objects.filter(shop_order__order_id=order.pk).order_by("pk"))
        )
    return order


def _locked_shop_order(shop_order_id: int) -> ShopOrder:
    shop_order = (
        ShopOrder.objects.select_related("order")
        .select_for_update(of=("self",))
        .filter(pk=shop_order_id)
        .first()
    )
    if shop_order is None:
        raise ValidationError(
            {"id": ValidationError(_("Shop order not found."), code=OrderErrorCode.NOT_FOUND.value)}
        )
    return shop_order


def _lines(shop_order: ShopOrder) -> list[OrderLine]:
    return list(OrderLine.objects.filter(shop_order_id=shop_order.pk).order_by("pk"))


def order_close_if_done(*, order_id: int) -> None:
    """Closes a paid order once none of its shop orders is still open. Call inside a transaction."""
    if ShopOrder.objects.filter(order_id=order_id, status__in=OPEN_STATES).exists():
        return
    order = Order.objects.select_for_update().filter(pk=order_id, status=OrderStatus.PAID).first()
    if order is not None:
        order_move(order=order, to=OrderStatus.CLOSED)


def shop_order_accept(*, shop_order_id: int) -> ShopOrder:
    with transaction.atomic():
        shop_order = _locked_shop_order(shop_order_id)
        shop_order_move(shop_order=shop_order, to=ShopOrderStatus.ACCEPTED, notify=True)
    return shop_order


def shop_order_mark_ready(*, shop_order_id: int) -> ShopOrder:
    with transaction.atomic():
        shop_order = _locked_shop_order(shop_order_id)
        shop_order_move(shop_order=shop_order, to=ShopOrderStatus.READY, notify=True)
    return shop_order


def shop_order_fulfil(*, shop_order_id: int, user: Requester | None = None) -> ShopOrder:
    """The customer collected (or received) the goods: stock consumed, the shop gets paid."""
    with transaction.atomic():
        shop_order = _locked_shop_order(shop_order_id)
        shop_order_move(shop_order=shop_order, to=ShopOrderStatus.FULFILLED, notify=True)
        lines_consume(lines=_lines(shop_order), user=user, note=shop_order.order.number)
        order_close_if_done(order_id=shop_order.order_id)
        queue_task_on_commit(
            schedule_transfer,
            cause=Cause("shop_order", shop_order.pk, "fulfilled"),
            shop_order_id=shop_order.pk,
        )
    return shop_order


# A reason told to the customer is a sentence or two, not a document.
MAX_REASON_LENGTH = 1000


def _stop(
    shop_order_id: int,
    to_status: str,
    reason: str,
    *,
    only_from: frozenset[str] | None = None,
    staff: Requester | None = None,
) -> ShopOrder:
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("At most %(max)d characters.") % {"max": MAX_REASON_LENGTH},
                    code=OrderErrorCode.INVALID.value,
                )
            }
        )
    with transaction.atomic():
        shop_order = _locked_shop_order(shop_order_id)
        if shop_order.status == to_status == ShopOrderStatus.CANCELLED:
            return shop_order  # cancelling twice changes nothing
        customer_too_late = only_from is not None and shop_order.status not in only_from
        if customer_too_late and shop_order.status in ACCEPTED_STATES:
            raise ValidationError(
                {
                    "id": ValidationError(
                        _("The shop has already accepted this order: ask the shop to cancel it."),
                        code=OrderErrorCode.INVALID_TRANSITION.value,
                    )
                }
            )
        if (
            to_status == ShopOrderStatus.CANCELLED
            and shop_order.status == ShopOrderStatus.UNCONFIRMED
        ):
            # Its payment is still for the whole order: drop nothing from it, cancel it all.
            raise ValidationError(
                {
                    "id": ValidationError(
                        _("This order is not paid yet: cancel the whole order instead."),
                        code=OrderErrorCode.ORDER_UNPAID.value,
                    )
                }
            )
        # Notified: the customer ("refused", "cancelled"), and the shop of a cancellation.
        from_status = shop_order_move(
            shop_order=shop_order, to=to_status, reason=reason, notify=True
        )
        lines_release(lines=_lines(shop_order))
        order_close_if_done(order_id=shop_order.order_id)
        if staff is not None:
            audit_record(
                town_id=shop_order.order.town_id,
                actor=staff,
                action=AuditAction.SHOP_ORDER_CANCEL,
                obj=shop_order,
                reason=reason,
                before={"status": from_status},
                after={"order": shop_order.order.number, "status": to_status},
            )
        if from_status in PAID_STATES:
            # Cancelled by the town's staff: the refund says who asked it, and why.
            by_staff = {"requested_by_id": staff.pk, "reason": reason} if staff is not None else {}
            queue_task_on_commit(
                refund_cancelled_shop_order,
                cause=Cause("shop_order", shop_order.pk, SHOP_ORDER_EVENTS[to_status]),
                shop_order_id=shop_order.pk,
                **by_staff,
            )
    return shop_order


def shop_order_refuse(*, shop_order_id: int, reason: str) -> ShopOrder:
    """The shop refuses a paid shop order: its stock is released and the customer refunded."""
    return _stop(shop_order_id, ShopOrderStatus.REFUSED, reason)


def shop_order_cancel(
    *,
    shop_order_id: int,
    reason: str,
    by_customer: bool = False,
    staff: Requester | None = None,
) -> ShopOrder:
    """Cancels one shop order: its stock is released; refunded if it was paid.

    The customer may only cancel before the shop accepts (unconfirmed or paid). `staff`: the
    town's staff member cancelling it, recorded in the town's audit log.
    """
    only_from = CUSTOMER_CANCELLABLE if by_customer else None
    return _stop(shop_order_id, ShopOrderStatus.CANCELLED, reason, only_from=only_from, staff=staff)
