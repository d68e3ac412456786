"""Order emails: recorded in the outbox with their cause, sent by Celery after commit."""

from __future__ import annotations

from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.orders.tasks import send_order_notification


def notify_order(*, order_id: int, event: str, shop_order_id: int | None = None) -> None:
    """Records the emails of one event in the current transaction (the outbox): they are sent
    once it commits, even when the broker is down at that moment."""
    cause = (
        Cause("shop_order", shop_order_id, event)
        if shop_order_id
        else Cause("order", order_id, event)
    )
    queue_task_on_commit(
        send_order_notification,
        cause=cause,
        order_id=order_id,
        event=event,
        shop_order_id=shop_order_id,
    )
