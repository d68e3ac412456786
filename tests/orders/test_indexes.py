"""The order tables' indexes: those their queries use, and no more (each costs every write, #16)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.orders.models import Order, OrderStatus
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


def test_the_payment_timeout_reads_the_unpaid_orders_index(two_shop_order: Any) -> None:
    # A town's table as the planner sees it: many paid orders, a few unpaid (on a near-empty
    # table every plan costs the same and the choice depends on what earlier tests left).
    order = two_shop_order[0]
    copied = [
        field.column
        for field in Order._meta.concrete_fields
        if field.column not in {"id", "number", "checkout_token", "token", "status"}
    ]
    columns = ", ".join(copied)
    with connection.cursor() as cursor:
        for status, count in ((OrderStatus.PAID, 3000), (OrderStatus.UNPAID, 20)):
            cursor.execute(
                f"INSERT INTO orders_order (number, checkout_token, token, status, {columns})"
                f" SELECT %s || g, gen_random_uuid(), gen_random_uuid(), %s, {columns}"
                " FROM orders_order, generate_series(1, %s) g WHERE id = %s",
                [f"T-{status}-", status, count, order.pk],
            )
        cursor.execute("ANALYZE orders_order")
        query = unpaid_orders_placed_before(timezone.now() - timedelta(minutes=60))
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_unpaid_since" in plan
