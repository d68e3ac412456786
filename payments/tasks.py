"""Celery tasks of payments: they take ids, are idempotent and call the services.

They are scheduled through the outbox (`marketplace.core.outbox.queue_task_on_commit`), which runs
each one until it ends without an error: a provider failure (GatewayError) raised here is tried
again by the outbox's relay, backing off up to 10 minutes; the worker acknowledges a message only
once its task has ended (CELERY_TASK_ACKS_LATE), and a worker that dies in the middle leaves the
outbox message to the sweep.

Beat: `cancel_unpaid_orders` (every minute) and `retry_pending_transfers` (every 5 minutes:
transfers and refunds still pending at the provider, and deferred webhook events).

Why the services are imported inside the tasks: the order lifecycle (a lower layer) imports this
module at its top to schedule `schedule_transfer` and `refund_cancelled_shop_order`, and the
payments services import the order lifecycle; importing them here at the top would close the
cycle lifecycle → payments.tasks → payments services → lifecycle.
"""

from __future__ import annotations

from celery import shared_task

from payments.gateways import GatewayError


@shared_task(name="payments.tasks.process_webhook_event")
def process_webhook_event(event_pk: int) -> str:
    """A stored event; one whose payment is not committed yet stays `deferred` and is processed
    again once the payment commits, or by `retry_pending_transfers`."""
    from payments.webhooks import webhook_event_process  # cycle: see the module's docstring

    return webhook_event_process(event_pk=event_pk)


@shared_task(name="payments.tasks.process_deferred_webhook_events")
def process_deferred_webhook_events() -> int:
    from payments.webhooks import (  # cycle: see the module's docstring
        webhook_event_process,
        webhook_events_deferred,
    )

    count = 0
    for event_pk in webhook_events_deferred():
        webhook_event_process(event_pk=event_pk)
        count += 1
    return count


@shared_task(name="payments.tasks.schedule_transfer")
def schedule_transfer(shop_order_id: int) -> int | None:
    from payments.transfers import transfer_schedule  # cycle: see the module's docstring

    transfer = transfer_schedule(shop_order_id=shop_order_id)
    return transfer.pk if transfer else None


@shared_task(name="payments.tasks.send_transfer")
def send_transfer(transfer_id: int) -> str:
    from payments.transfers import transfer_send  # cycle: see the module's docstring

    return str(transfer_send(transfer_id=transfer_id).status)


@shared_task(name="payments.tasks.send_refund")
def send_refund(refund_id: int) -> str:
    from payments.refunds import refund_send  # cycle: see the module's docstring

    try:
        return str(refund_send(refund_id=refund_id).status)
    except GatewayError as error:
        if not error.retryable:
            return "failed"  # refused by the provider: refund_send marked it failed
        raise


@shared_task(name="payments.tasks.refund_cancelled_shop_order")
def refund_cancelled_shop_order(
    shop_order_id: int, requested_by_id: int | None = None, reason: str = ""
) -> int | None:
    from payments.refunds import shop_order_refund_remaining  # cycle: see the module's docstring

    refund = shop_order_refund_remaining(
        shop_order_id=shop_order_id, requested_by_id=requested_by_id, reason=reason
    )
    return refund.pk if refund else None


@shared_task(name="payments.tasks.send_refund_emails")
def send_refund_emails(refund_id: int, audience: str | None = None) -> int:
    from payments.emails import refund_notify  # cycle: see the module's docstring

    return refund_notify(refund_id=refund_id, audience=audience)


@shared_task(name="payments.tasks.record_payment_fee")
def record_payment_fee(payment_id: int) -> str | None:
    from payments.charges import payment_record_fee  # cycle: see the module's docstring

    fee = payment_record_fee(payment_id=payment_id)
    return None if fee is None else str(fee)


@shared_task(name="payments.tasks.cancel_payment_intent")
def cancel_payment_intent(payment_id: int) -> None:
    from payments.charges import payment_cancel_intent  # cycle: see the module's docstring

    try:
        payment_cancel_intent(payment_id=payment_id)
    except GatewayError as error:
        if error.retryable:
            raise


@shared_task(name="payments.tasks.cancel_unpaid_orders")
def cancel_unpaid_orders() -> list[int]:
    from payments.charges import orders_cancel_timed_out  # cycle: see the module's docstring

    return orders_cancel_timed_out()


@shared_task(name="payments.tasks.retry_pending_transfers")
def retry_pending_transfers() -> dict[str, int]:
    """Sends again, in this process, what is still pending at the provider: a transfer waiting
    for its shop's account, a refund or a reversal whose outbox message gave up (there is none:
    the outbox never gives up), or rows written before the outbox. Then deferred events."""
    from payments.refunds import refund_send, refunds_to_retry  # cycle: see the docstring
    from payments.transfers import transfer_send, transfers_to_retry  # cycle: see the docstring

    sent = {"transfers": 0, "refunds": 0}
    for transfer_id in transfers_to_retry():
        try:
            transfer_send(transfer_id=transfer_id)
            sent["transfers"] += 1
        except GatewayError:
            continue  # tried again at the next beat
    for refund_id in refunds_to_retry():
        try:
            refund_send(refund_id=refund_id)
            sent["refunds"] += 1
        except GatewayError:
            continue
    return {**sent, "events": process_deferred_webhook_events()}


@shared_task(name="payments.tasks.send_refund_failed_emails")
def send_refund_failed_emails(refund_id: int, audience: str | None = None) -> int:
    from payments.emails import refund_failed_notify  # cycle: see the module's docstring

    return refund_failed_notify(refund_id=refund_id, audience=audience)


@shared_task(name="payments.tasks.refund_mismatched_payment")
def refund_mismatched_payment(payment_id: int) -> str:
    from payments.review import payment_refund_mismatch  # cycle: see the module's docstring

    return payment_refund_mismatch(payment_id=payment_id)


@shared_task(name="payments.tasks.send_payment_review_email")
def send_payment_review_email(payment_id: int) -> int:
    from payments.emails import payment_review_notify  # cycle: see the module's docstring

    return payment_review_notify(payment_id=payment_id)


@shared_task(name="payments.tasks.ledger_check_daily")
def ledger_check_daily() -> int:
    """Beat, daily: checks the ledger and emails each town's staff its violations."""
    from payments.ledger_check import ledger_check_and_notify  # cycle: see the docstring

    return ledger_check_and_notify()
