"""Order emails: recorded in the outbox with their cause, sent by Celery after commit."""

from __future__ import annotations

from typing import Any

from marketplace.core.outbox import Cause, QueuedTask, queue_task_on_commit, queue_task_statement
from marketplace.orders.tasks import send_order_notification


def notify_order(*, order_id: int, event: str, shop_order_id: int | None = None) -> None:
    """Records the emails of one event in the current transaction (the outbox): they are sent
    once it commits, even when the broker is down at that moment."""
    queue_task_on_commit(send_order_notification, **_message(order_id, event, shop_order_id))


def notify_order_queued(
    *, order_id: int, event: str, shop_order_id: int | None = None
) -> QueuedTask:
    """`notify_order`, its outbox INSERT given back for the caller to make with its own writes
    (`marketplace.core.outbox.queue_task_statement`)."""
    return queue_task_statement(send_order_notification, **_message(order_id, event, shop_order_id))


def _message(order_id: int, event: str, shop_order_id: int | None) -> dict[str, Any]:
    cause = (
        Cause("shop_order", shop_order_id, event)
        if shop_order_id
        else Cause("order", order_id, event)
    )
    return {"cause": cause, "order_id": order_id, "event": event, "shop_order_id": shop_order_id}
