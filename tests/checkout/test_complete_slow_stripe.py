"""checkoutComplete calls Stripe outside any transaction: a slow Stripe holds no lock, no open
transaction, and other buyers complete meanwhile (stripe-mock behind a proxy that holds a request)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from marketplace.orders.models import Order
from payments.models import Payment
from tests.checkout.helpers import COMPLETE, CREATE, food, line, post, shop, town, variant
from tests.payments.fault_server import FaultServer
from tests.payments.helpers import STRIPE_MOCK
from vendors.models import Stock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe]


@pytest.fixture
def slow_stripe(settings: Any) -> Iterator[FaultServer]:
    """The Stripe gateway on stripe-mock behind a proxy: its first request is held until released."""
    proxy = FaultServer(upstream=STRIPE_MOCK)
    proxy.mode = "proxy"
    proxy.plan = ["hold"]
    proxy.sleep_seconds = 60  # the longest it holds it, should the test fail before releasing
    proxy.thread.start()
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_API_BASE = proxy.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield proxy
    proxy.release.set()
    proxy.httpd.shutdown()


def _checkout(items: list[tuple[Any, int]]) -> str:
    created = post(
        Client(),
        CREATE,
        {
            "input": {
                "town": "montpellier",
                "email": "buyer@example.org",
                "lines": [line(item, quantity) for item, quantity in items],
            }
        },
    )["checkoutCreate"]
    assert created["errors"] == []
    return str(created["checkout"]["id"])


def test_a_slow_stripe_call_holds_nothing_while_other_buyers_complete(
    slow_stripe: FaultServer,
) -> None:
    # Given two shops' goods, and three buyers: A and C of the same cheese, B of the bread
    place = town()
    food()
    cheese = variant(shop(place, "fromager"), price="12.00", stock=10)
    bread = variant(shop(place, "boulanger"), price="2.50", stock=10)
    first, second, third = (
        _checkout([(cheese, 2)]),
        _checkout([(bread, 3)]),
        _checkout([(cheese, 1)]),
    )
    outcome: dict[str, Any] = {}

    def complete_first() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            outcome["result"] = post(Client(), COMPLETE, {"id": first})["checkoutComplete"]
        finally:
            connection.close()

    # When A completes and Stripe is slow to answer its PaymentIntent
    buyer = threading.Thread(target=complete_first)
    buyer.start()
    assert slow_stripe.held.wait(30), "A's call to Stripe never came"
    try:
        # Then, while A's call is pending, A's order is committed (unpaid, its stock allocated,
        # its payment pending without an intent) and A's connection holds no transaction open
        order = Order.objects.get(checkout_token=_pk(first))
        payment = Payment.objects.get(order=order)
        assert (order.status, payment.status, payment.intent_id) == ("unpaid", "pending", "")
        assert Stock.objects.get(variant=cheese).quantity_allocated == 2
        with connection.cursor() as cursor:
            cursor.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [outcome["pid"]])
            assert cursor.fetchone()[0] == "idle"
        # And B (other goods) and C (the same goods) complete meanwhile
        for checkout_id in (second, third):
            result = post(Client(), COMPLETE, {"id": checkout_id})["checkoutComplete"]
            assert result["errors"] == []
            assert result["payment"]["status"] == "pending"
        assert buyer.is_alive()  # A is still waiting for Stripe
    finally:
        slow_stripe.release.set()
        buyer.join(30)
    # And once Stripe answers, A's intent is recorded on its order
    assert outcome["result"]["errors"] == []
    assert outcome["result"]["payment"]["status"] == "pending"
    assert outcome["result"]["payment"]["clientSecret"]
    assert Payment.objects.get(order=order).intent_id.startswith("pi_")
    assert [Stock.objects.get(variant=v).quantity_allocated for v in (cheese, bread)] == [3, 3]
    assert len(slow_stripe.requests) == 3


def _pk(checkout_id: str) -> str:
    from graphql_relay import from_global_id

    return from_global_id(checkout_id)[1]
