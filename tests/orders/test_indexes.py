"""The order tables' indexes: those their queries use, and no more (each costs every write, #16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payments.charges import unpaid_orders_placed_before

pytestmark = pytest.mark.django_db

WRITTEN_PER_ORDER = ("orders_order", "orders_shoporder", "payments_payment", "payments_ledgerentry")


def test_no_like_only_index_on_the_tables_every_order_writes() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes"
            " WHERE tablename = ANY(%s) AND indexdef LIKE %s",
            [list(WRITTEN_PER_ORDER), "%pattern_ops%"],
        )
        assert cursor.fetchall() == []


def test_no_index_on_the_status_of_shop_orders_and_payments() -> None:
    # Queries by status start with the shop or the order; a shop order's move to another
    # status then writes no index entry (PostgreSQL's HOT update).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename IN ('orders_shoporder', 'payments_payment') AND indexdef LIKE %s",
            ["%(status)%"],
        )
        assert cursor.fetchall() == []


def test_the_payment_timeout_reads_the_unpaid_orders_index() -> None:
    query = unpaid_orders_placed_before(timezone.now() - timedelta(minutes=60))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tables this small are read whole
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_unpaid_since" in plan
