"""checkoutComplete meets a deadlock on the real PostgreSQL: PostgreSQL ends its transaction,
and the completion is tried once more instead of answering an internal error."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from graphql_relay import from_global_id
from psycopg import errors

from marketplace.checkout.models import Checkout
from marketplace.core.conflicts import conflict_retriable
from marketplace.orders.models import Order
from tests.checkout.helpers import COMPLETE, CREATE, line, post, shop, town, variant
from tests.database import lock_waits
from vendors.models import Stock

pytestmark = pytest.mark.django_db(transaction=True)


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def test_a_completion_that_loses_a_deadlock_is_completed_on_its_second_try() -> None:
    # Given a checkout of a cheese, and another writer holding the cheese's stock row
    cheese = variant(shop(town(), "fromager"), price="12.00", stock=10)
    created = post(
        Client(),
        CREATE,
        {"input": {"town": "montpellier", "email": "b@example.org", "lines": [line(cheese, 2)]}},
    )["checkoutCreate"]
    checkout_id = created["checkout"]["id"]
    checkout_pk = from_global_id(checkout_id)[1]
    deadlocks_before = _deadlocks()
    seen: dict[str, Any] = {}

    def other_writer() -> None:
        try:
            with transaction.atomic():
                Stock.objects.select_for_update().get(variant=cheese)
                # Once the completion (holding its checkout's row) waits for the stock row...
                deadline = time.monotonic() + 20
                while not lock_waits() > 0 and time.monotonic() < deadline:
                    time.sleep(0.02)
                seen["completion_waited"] = lock_waits() > 0
                # ...this writer asks for the checkout's row: each waits for the other. PostgreSQL
                # looks for a deadlock a second (deadlock_timeout) after a wait began and ends the
                # transaction that looked: half a second later than the completion's, so that on
                # a loaded machine the completion's look still comes first
                time.sleep(0.5)
                Checkout.objects.select_for_update().filter(pk=checkout_pk).exists()
        except Exception as error:  # the completion should be the one PostgreSQL ends
            seen["error"] = error
        finally:
            connection.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    time.sleep(0.2)  # the writer holds the stock row first
    # When the buyer completes
    result = post(Client(), COMPLETE, {"id": checkout_id})["checkoutComplete"]
    writer.join(30)

    # Then PostgreSQL broke a deadlock, ending the completion's first try, not the other writer
    assert seen.get("completion_waited") is True
    assert "error" not in seen, seen
    deadline = time.monotonic() + 10
    while _deadlocks() == deadlocks_before and time.monotonic() < deadline:
        time.sleep(0.1)  # the statistics reach the view within a second or so
    assert _deadlocks() > deadlocks_before
    # And the buyer's order was made and paid on the second try, its stock allocated once
    assert result["errors"] == []
    assert result["order"]["status"] == "PAID"
    assert Order.objects.filter(checkout_token=checkout_pk).count() == 1
    assert Stock.objects.get(variant=cheese).quantity_allocated == 2


def test_a_conflict_inside_an_outer_transaction_is_left_to_its_owner() -> None:
    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = errors.DeadlockDetected("deadlock detected")
    other = OperationalError("server closed the connection")

    assert conflict_retriable(deadlock) is True
    assert conflict_retriable(other) is False
    with transaction.atomic():
        assert conflict_retriable(deadlock) is False
