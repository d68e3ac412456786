"""A real Celery worker (its own process, on our own Redis, late acknowledgement) is killed in the
middle of a transfer or a refund, while its Stripe call hangs behind the fault proxy. The outbox
keeps the task; once the delivery's lease runs out the sweep runs it again with the same
idempotency key: the shop is paid once, the customer refunded once."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.core.outbox import outbox_undelivered
from marketplace.orders.lifecycle import (
    shop_order_accept,
    shop_order_cancel,
    shop_order_fulfil,
    shop_order_mark_ready,
)
from marketplace.orders.models import ShopOrder
from payments.models import LedgerEntry, Payment, Refund, Transfer
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.faults.helpers import OwnRedis, relay_until_done
from tests.payments.factories import payable, start_payment
from tests.payments.fault_server import FaultServer
from tests.payments.helpers import event, intent_object, post_event
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(predicate: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize("effect", ["transfer", "refund"])
def test_a_worker_killed_in_the_middle_of_a_transfer_or_refund_leaves_it_to_the_sweep(
    stripe: Any,
    own_redis: OwnRedis,
    worker_on_own_redis: dict[str, Any],
    fault_proxy: FaultServer,
    client: Client,
    settings: Any,
    effect: str,
) -> None:
    # given a paid shop order (settled here, by the sweep) and a worker whose Stripe hangs
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_k")))
    relay_until_done()
    shop_order = ShopOrder.objects.get(order=order)
    if effect == "transfer":
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        relay_until_done()
    settings.CELERY_TASK_DEFAULT_QUEUE = worker_on_own_redis["queue"]
    worker_on_own_redis["env"].update(
        PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_test_123", STRIPE_API_BASE=fault_proxy.url
    )
    fault_proxy.mode, fault_proxy.sleep_seconds = "sleep", 120
    worker_on_own_redis["start"]()

    # when the shop order is fulfilled (or cancelled) and the worker dies during the Stripe call
    path = "/v1/transfers" if effect == "transfer" else "/v1/refunds"
    if effect == "transfer":
        shop_order_fulfil(shop_order_id=shop_order.pk)  # commits: the fast path queues it
    else:
        shop_order_cancel(shop_order_id=shop_order.pk, reason="closed")
    _wait_for(lambda: any(p == path for _m, p, _k in fault_proxy.requests), seconds=90)
    worker_on_own_redis["stop"]()

    # then the money has not moved in our books, and its task is still in the outbox
    if effect == "transfer":
        transfer = Transfer.objects.get()
        assert (transfer.status, transfer.transfer_id, transfer.attempts) == ("pending", "", 1)
    else:
        refund = Refund.objects.get()
        assert (refund.status, refund.refund_id, refund.attempts) == ("pending", "", 1)
    assert [m.task_name for m in outbox_undelivered()] == [f"payments.tasks.send_{effect}"]

    # when the delivery's lease has run out and the sweep runs (Stripe reachable again)
    relay_until_done()
    relay_until_done()

    # then it was made once, with the idempotency key of the first try
    keys = [key for _method, p, key in fault_proxy.requests if p == path]
    if effect == "transfer":
        transfer = Transfer.objects.get()
        assert (transfer.status, transfer.amount, transfer.attempts) == (
            "sent",
            Decimal("32.50"),
            2,
        )
        assert keys == [f"shop-order-{shop_order.pk}-transfer"]
        assert LedgerEntry.objects.filter(kind="transfer").count() == 1
    else:
        refund = Refund.objects.get()
        assert (refund.status, refund.amount, refund.attempts) == ("succeeded", Decimal("34.00"), 2)
        assert keys == [f"shop-order-{shop_order.pk}-refund-1"]
        assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert outbox_undelivered() == []
    assert_ledger_invariants()
