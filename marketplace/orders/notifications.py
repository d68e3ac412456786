"""Order emails: queued through Celery on commit, rendered in the order's language."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# event -> who hears of it
CUSTOMER_EVENTS = frozenset(
    {"order_paid", "order_cancelled", "accepted", "refused", "ready", "fulfilled", "cancelled"}
)
SHOP_EVENTS = frozenset({"new_order", "cancelled"})


def notify_order(*, order_id: int, event: str, shop_order_id: int | None = None) -> None:
    """Queues the emails of one event once the transaction commits."""

    def send() -> None:
        from marketplace.orders.tasks import send_order_notification

        try:
            send_order_notification.delay(
                order_id=order_id, event=event, shop_order_id=shop_order_id
            )
        except Exception:  # the broker is down: the order is saved, the email is lost
            logger.exception("order notification %s for order %s not queued", event, order_id)

    transaction.on_commit(send)
