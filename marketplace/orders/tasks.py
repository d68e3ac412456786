"""Order emails, sent by Celery. Tasks take ids and only read: running one twice sends twice,
never corrupts anything; a retry after a failure in the middle sends only what did not go out
(`done`: marketplace.core.outbox.DeliveredInPart)."""

from __future__ import annotations

from celery import shared_task

from marketplace.orders.emails import order_notification_send


@shared_task(name="marketplace.orders.tasks.send_order_notification", ignore_result=True)
def send_order_notification(
    *, order_id: int, event: str, shop_order_id: int | None = None, done: list[str] | None = None
) -> int:
    return order_notification_send(
        order_id=order_id, event=event, shop_order_id=shop_order_id, done=done or ()
    )
