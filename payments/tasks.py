"""Celery tasks of payments: they take ids, are idempotent and call the services.

Beat: `payments.tasks.cancel_unpaid_orders` (every minute) and
`payments.tasks.retry_pending_transfers` (every 5 minutes; also retries refunds, reversals and
deferred webhook events).
"""

from __future__ import annotations

from celery import shared_task

from payments.gateways import GatewayError

# Provider failures are retried with exponential backoff (5 s, 10 s, ... up to 10 min), 8 times;
# the beat task `retry_pending_transfers` picks up whatever is still pending after that.
RETRY_FOR = (GatewayError,)


@shared_task(name="payments.tasks.process_webhook_event", bind=True, max_retries=20)
def process_webhook_event(self, event_pk: int) -> str:  # type: ignore[no-untyped-def]
    from payments.webhooks import webhook_event_process

    status = webhook_event_process(event_pk=event_pk)
    if status == "deferred" and not self.request.is_eager:
        raise self.retry(countdown=min(2 ** (self.request.retries + 1), 300))
    return status


@shared_task(name="payments.tasks.process_deferred_webhook_events")
def process_deferred_webhook_events() -> int:
    from payments.webhooks import webhook_event_process, webhook_events_deferred

    count = 0
    for event_pk in webhook_events_deferred():
        webhook_event_process(event_pk=event_pk)
        count += 1
    return count


@shared_task(
    name="payments.tasks.schedule_transfer",
    autoretry_for=RETRY_FOR,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def schedule_transfer(shop_order_id: int) -> int | None:
    from payments.transfers import transfer_schedule

    transfer = transfer_schedule(shop_order_id=shop_order_id)
    return transfer.pk if transfer else None


@shared_task(
    name="payments.tasks.send_transfer",
    autoretry_for=RETRY_FOR,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_transfer(transfer_id: int) -> str:
    from payments.transfers import transfer_send

    return str(transfer_send(transfer_id=transfer_id).status)


@shared_task(
    name="payments.tasks.send_refund",
    autoretry_for=RETRY_FOR,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_refund(refund_id: int) -> str:
    from payments.refunds import refund_send

    try:
        return str(refund_send(refund_id=refund_id).status)
    except GatewayError as error:
        if not error.retryable:
            return "failed"
        raise


@shared_task(name="payments.tasks.refund_cancelled_shop_order")
def refund_cancelled_shop_order(shop_order_id: int) -> int | None:
    from payments.refunds import shop_order_refund_remaining

    refund = shop_order_refund_remaining(shop_order_id=shop_order_id)
    return refund.pk if refund else None


@shared_task(name="payments.tasks.send_refund_emails")
def send_refund_emails(refund_id: int) -> int:
    from payments.emails import refund_notify

    return refund_notify(refund_id=refund_id)


@shared_task(
    name="payments.tasks.record_payment_fee",
    autoretry_for=RETRY_FOR,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def record_payment_fee(payment_id: int) -> str | None:
    from payments.charges import payment_record_fee

    fee = payment_record_fee(payment_id=payment_id)
    return None if fee is None else str(fee)


@shared_task(
    name="payments.tasks.cancel_payment_intent",
    autoretry_for=RETRY_FOR,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def cancel_payment_intent(payment_id: int) -> None:
    from payments.charges import payment_cancel_intent

    try:
        payment_cancel_intent(payment_id=payment_id)
    except GatewayError as error:
        if error.retryable:
            raise


@shared_task(name="payments.tasks.cancel_unpaid_orders")
def cancel_unpaid_orders() -> list[int]:
    from payments.charges import orders_cancel_timed_out

    return orders_cancel_timed_out()


@shared_task(name="payments.tasks.retry_pending_transfers")
def retry_pending_transfers() -> dict[str, int]:
    from payments.refunds import refunds_to_retry
    from payments.transfers import transfers_to_retry

    transfer_ids = transfers_to_retry()
    for transfer_id in transfer_ids:
        send_transfer.delay(transfer_id)
    refund_ids = refunds_to_retry()
    for refund_id in refund_ids:
        send_refund.delay(refund_id)
    events = process_deferred_webhook_events()
    return {"transfers": len(transfer_ids), "refunds": len(refund_ids), "events": events}
