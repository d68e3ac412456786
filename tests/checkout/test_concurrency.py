"""Concurrency on the real PostgreSQL: threads with their own connections race for stock."""

from __future__ import annotations

import fcntl
import json
import tempfile
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from marketplace.checkout.models import Checkout, CheckoutLine, Reservation
from marketplace.orders.models import Order, OrderLine
from tests.checkout.helpers import COMPLETE, CREATE, LINES_ADD, gid, line, shop, town, variant
from vendors.models import Stock

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 50
STOCK = 10


def _post(client: Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture
def fifty_connections() -> Iterator[None]:
    """Taken by the races of 50 buyers, each with its connection: one at a time on the machine.
    Two at once (one per test process) would pass PostgreSQL's 100 connections (FATAL "remaining
    connection slots are reserved"). pytest-xdist's `loadgroup` does not group tests under
    pytest 9 (checked), hence a lock file."""
    with open(
        Path(tempfile.gettempdir()) / "marketplace-tests-fifty-connections.lock", "w"
    ) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _race(work: Any, count: int) -> list[Any]:
    """Runs work(i) in `count` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # surfaced as a test failure below
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_buyers_create_and_complete_for_ten_units(settings, fifty_connections):
    settings.CHECKOUT_CREATE_RATE_LIMIT = "1000/m"  # 50 buyers, here all from one address
    # given a variant with stock 10
    city = town()
    bread = variant(shop(city, "bakery"), stock=STOCK)

    # when 50 guests each create a checkout for one unit and complete it, all at once
    def buy(i: int) -> str:
        client = Client()
        created = _post(
            client,
            CREATE,
            {"input": {"town": city.slug, "email": f"b{i}@example.org", "lines": [line(bread, 1)]}},
        )["checkoutCreate"]
        if created["errors"]:
            return created["errors"][0]["code"]
        completed = _post(client, COMPLETE, {"id": created["checkout"]["id"]})["checkoutComplete"]
        if completed["errors"]:
            return completed["errors"][0]["code"]
        return completed["order"]["status"]

    results = _race(buy, BUYERS)
    # then exactly 10 paid orders, the others told INSUFFICIENT_STOCK, no server error
    assert [r for r in results if not isinstance(r, str)] == []
    assert sorted(set(results)) == ["INSUFFICIENT_STOCK", "PAID"]
    assert results.count("PAID") == STOCK
    assert Order.objects.count() == STOCK
    stock = Stock.objects.get(variant=bread)
    assert (stock.quantity, stock.quantity_allocated) == (STOCK, STOCK)
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == STOCK


def test_fifty_prepared_checkouts_complete_at_once_without_oversell(settings, fifty_connections):
    # given 50 checkouts of 1 unit each whose reservations have expired (nobody holds stock)
    city = town()
    bread = variant(shop(city, "bakery"), stock=STOCK)
    checkouts = [
        Checkout.objects.create(town=city, email=f"b{i}@example.org") for i in range(BUYERS)
    ]
    CheckoutLine.objects.bulk_create(
        [CheckoutLine(checkout=c, variant=bread, quantity=1) for c in checkouts]
    )

    # when all complete at once
    def complete(i: int) -> str:
        data = _post(Client(), COMPLETE, {"id": gid("Checkout", checkouts[i].pk)})
        result = data["checkoutComplete"]
        return result["errors"][0]["code"] if result["errors"] else result["order"]["status"]

    results = _race(complete, BUYERS)
    # then exactly 10 win; the 40 others get INSUFFICIENT_STOCK; nothing half-written
    assert [r for r in results if not isinstance(r, str)] == []
    assert results.count("PAID") == STOCK
    assert results.count("INSUFFICIENT_STOCK") == BUYERS - STOCK
    stock = Stock.objects.get(variant=bread)
    assert stock.quantity_allocated == STOCK
    assert Order.objects.count() == STOCK
    assert Checkout.objects.count() == BUYERS - STOCK


def test_same_checkout_completed_by_ten_requests_gives_one_order(settings):
    city = town()
    bread = variant(shop(city, "bakery"), stock=STOCK)
    checkout = Checkout.objects.create(town=city, email="b@example.org")
    CheckoutLine.objects.create(checkout=checkout, variant=bread, quantity=2)

    def complete(_i: int) -> str:
        data = _post(Client(), COMPLETE, {"id": gid("Checkout", checkout.pk)})
        return data["checkoutComplete"]["order"]["number"]

    results = _race(complete, 10)
    assert [r for r in results if not isinstance(r, str)] == []
    assert len(set(results)) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.get(variant=bread).quantity_allocated == 2


def test_reservation_expiring_while_another_customer_buys(settings):
    # given Alice reserved the last 3 units and her reservation has just expired
    city = town()
    bread = variant(shop(city, "bakery"), stock=3)
    alice = _post(
        Client(),
        CREATE,
        {"input": {"town": city.slug, "email": "alice@example.org", "lines": [line(bread, 3)]}},
    )["checkoutCreate"]["checkout"]
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    bob = _post(
        Client(),
        CREATE,
        {"input": {"town": city.slug, "email": "bob@example.org", "lines": [line(bread, 3)]}},
    )["checkoutCreate"]
    assert bob["errors"] == []

    # when both complete at the same time
    def complete(i: int) -> str:
        checkout_id = [alice["id"], bob["checkout"]["id"]][i]
        result = _post(Client(), COMPLETE, {"id": checkout_id})["checkoutComplete"]
        return result["errors"][0]["code"] if result["errors"] else result["order"]["status"]

    results = _race(complete, 2)
    # then Bob, who holds the live reservation, wins; Alice is told there is not enough stock
    assert results == ["INSUFFICIENT_STOCK", "PAID"]
    assert list(Order.objects.values_list("email", flat=True)) == ["bob@example.org"]
    assert Stock.objects.get(variant=bread).quantity_allocated == 3


def test_lines_added_while_the_checkout_completes_are_never_lost(settings):
    # given a guest checkout of one loaf, and a second product the guest adds meanwhile
    city = town()
    bakery = shop(city, "bakery")
    bread, cake = variant(bakery, stock=50), variant(bakery, stock=50)
    created = _post(
        Client(),
        CREATE,
        {"input": {"town": city.slug, "email": "g@example.org", "lines": [line(bread, 1)]}},
    )["checkoutCreate"]["checkout"]

    # when one request completes the checkout while nine others each add a cake, all at once
    def act(i: int) -> str:
        if i == 0:
            result = _post(Client(), COMPLETE, {"id": created["id"]})["checkoutComplete"]
            return result["errors"][0]["code"] if result["errors"] else "COMPLETED"
        added = _post(Client(), LINES_ADD, {"id": created["id"], "lines": [line(cake, 1)]})
        result = added["checkoutLinesAdd"]
        return result["errors"][0]["code"] if result["errors"] else "ADDED"

    results = _race(act, 10)

    # then every add either made it into the order or was told the checkout is gone:
    # no server error, no cake ordered that was not added, none added that was lost
    assert [r for r in results if not isinstance(r, str)] == []
    assert results[0] == "COMPLETED"
    assert set(results[1:]) <= {"ADDED", "NOT_FOUND"}
    ordered = dict(OrderLine.objects.values_list("variant_id", "quantity"))
    assert ordered == {
        bread.pk: 1,
        **({cake.pk: results.count("ADDED")} if "ADDED" in results else {}),
    }
    assert Stock.objects.get(variant=cake).quantity_allocated == results.count("ADDED")
    assert Checkout.objects.count() == 0
