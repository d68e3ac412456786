"""Redis (the broker) unreachable at the commit of a checkout, a fulfilment, a cancellation or a
refusal of a paid shop order, or when money arrives for a cancelled order: the side effect waits
in the outbox and is delivered, once, when the relay runs. Our own redis-server, stopped and
started by the test (the team's Redis is never touched)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import outbox_undelivered
from marketplace.orders.lifecycle import (
    shop_order_accept,
    shop_order_cancel,
    shop_order_fulfil,
    shop_order_mark_ready,
    shop_order_refuse,
)
from marketplace.orders.models import Order, OrderStatus, ShopOrder
from payments.charges import payment_end_unpaid
from payments.models import LedgerEntry, Payment, PaymentStatus, Refund, Transfer
from tests.checkout.helpers import COMPLETE, CREATE, line, shop, town, variant
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.faults.helpers import OwnRedis, relay_later, relay_until_done
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db


def _paid_shop_order(client: Client) -> ShopOrder:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_b")))
    relay_until_done()  # the broker is up but no worker runs here: the sweep does the work
    shop_order = ShopOrder.objects.get(order=order)
    assert shop_order.status == "paid"
    return shop_order


def _pending(task: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (m.cause_type, m.cause_id, m.reason, m.kwargs)
        for m in outbox_undelivered()
        if m.task_name == task
    ]


def test_a_fulfilment_committed_while_redis_is_down_still_pays_the_shop_once(
    stripe: Any, own_redis: OwnRedis, client: Client
) -> None:
    # given a paid shop order, ready for collection
    shop_order = _paid_shop_order(client)
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
    relay_until_done()

    # when the broker is down as the fulfilment commits
    own_redis.stop()
    with run_on_commit():
        shop_order_fulfil(shop_order_id=shop_order.pk)

    # then the fulfilment is saved and the shop's payment waits in the outbox, with its cause
    assert ShopOrder.objects.get(pk=shop_order.pk).status == "fulfilled"
    assert Transfer.objects.count() == 0
    assert _pending("payments.tasks.schedule_transfer") == [
        ("shop_order", str(shop_order.pk), "fulfilled", {"shop_order_id": shop_order.pk})
    ]

    # when Redis is back and the relay runs (twice)
    own_redis.start()
    relay_until_done()
    relay_until_done()

    # then the shop is paid once: 34.00 less 1.50 commission
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.amount, transfer.attempts) == (
        "sent",
        Decimal("32.50"),
        1,
    )
    assert LedgerEntry.objects.filter(kind="transfer").count() == 1
    assert outbox_undelivered() == []
    assert_ledger_invariants()


@pytest.mark.parametrize("stop", ["cancel", "refuse"])
def test_a_paid_shop_order_cancelled_or_refused_while_redis_is_down_is_refunded_once(
    stripe: Any, own_redis: OwnRedis, client: Client, stop: str
) -> None:
    # given a paid shop order
    shop_order = _paid_shop_order(client)

    # when the broker is down as the shop cancels (or refuses) it
    own_redis.stop()
    with run_on_commit():
        if stop == "cancel":
            shop_order_cancel(shop_order_id=shop_order.pk, reason="out of stock")
        else:
            shop_order_refuse(shop_order_id=shop_order.pk, reason="closed today")

    # then the refund waits in the outbox, caused by that shop order's cancellation/refusal
    reason = "cancelled" if stop == "cancel" else "refused"
    assert _pending("payments.tasks.refund_cancelled_shop_order") == [
        ("shop_order", str(shop_order.pk), reason, {"shop_order_id": shop_order.pk})
    ]
    assert Refund.objects.count() == 0

    # when Redis is back and the relay runs (twice)
    own_redis.start()
    relay_until_done()
    relay_until_done()

    # then the customer gets the 34.00 back once, and is told so
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.refund_id.startswith("re_")) == (
        "succeeded",
        Decimal("34.00"),
        True,
    )
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert any("34,00\xa0€" in message.subject for message in mail.outbox)
    assert_ledger_invariants()


def test_money_arriving_for_a_cancelled_order_while_redis_is_down_is_refunded_once(
    stripe: Any, own_redis: OwnRedis, client: Client
) -> None:
    # given an order whose payment timed out and was cancelled
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "20.00", "0.00", "1.00")])
    start_payment(order)
    with run_on_commit():
        payment_end_unpaid(
            order_id=order.pk, status=PaymentStatus.CANCELED, reason="timeout", cancel_intent=False
        )
    relay_until_done()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED

    # when the money arrives all the same, while the broker is down
    own_redis.stop()
    payment = Payment.objects.select_related("order").get(order=order)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PENDING)
    payment.refresh_from_db()
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_x")))
    assert relay_later() == {"delivered": 1, "failed": 0, "skipped": 0}  # the event, by the sweep

    # then the money is booked, and its refund waits in the outbox, caused by the payment
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED
    shop_order = ShopOrder.objects.get(order=order)
    assert _pending("payments.tasks.refund_cancelled_shop_order") == [
        ("payment", str(payment.pk), "succeeded_after_cancel", {"shop_order_id": shop_order.pk})
    ]
    assert Refund.objects.count() == 0

    # when Redis is back and the relay runs (twice)
    own_redis.start()
    relay_until_done()
    relay_until_done()

    # then the customer is refunded in full, once
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", Decimal("20.00"))
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert_ledger_invariants()


def test_a_checkout_completed_while_redis_is_down_answers_and_its_emails_follow(
    dummy: Any, own_redis: OwnRedis, gql: Any
) -> None:
    # given a checkout of two shops
    place = town()
    items = [variant(shop(place, "fromager"), stock=5), variant(shop(place, "primeur"), stock=5)]
    created = gql.execute(
        CREATE,
        {
            "input": {
                "town": place.slug,
                "email": "guest@example.org",
                "lines": [line(items[0], 2), line(items[1], 1)],
            }
        },
    )["checkoutCreate"]

    # when it completes while the broker is down
    own_redis.stop()
    with run_on_commit():
        completed = gql.execute(COMPLETE, {"id": created["checkout"]["id"]})["checkoutComplete"]

    # then the order is placed and paid (dummy gateway), and its emails wait in the outbox
    assert completed["errors"] == []
    assert completed["order"]["status"] == "PAID"
    assert Order.objects.count() == 1
    assert [m.reason for m in outbox_undelivered()] == ["order_paid"]
    assert mail.outbox == []

    # when Redis is back and the relay runs
    own_redis.start()
    relay_until_done()

    # then the customer and each shop heard of it, once
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert "guest@example.org" in recipients
    assert len(mail.outbox) == 3
