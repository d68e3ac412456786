"""UPDATEs of several tables in one statement, where the database allows it.

PostgreSQL: each UPDATE (compiled by Django, as `QuerySet.update` would) but the last becomes a
data-modifying CTE of the last: one round trip. They all see the statement's snapshot, so none
may touch rows another one updates, nor read what another one writes. Elsewhere (the demo's
SQLite): one `QuerySet.update` each, in the given order.

As with `QuerySet.update`: no save() signals, no `auto_now` (pass `updated_at` yourself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery


def rows_update(*, updates: Sequence[tuple[QuerySet[Any], dict[str, Any]]]) -> None:
    """Runs each `queryset.update(**values)` of `updates` (filters on the model's own columns)."""
    if not updates:
        return
    using = updates[0][0].db
    connection = connections[using]
    if connection.vendor != "postgresql" or len(updates) == 1:
        for queryset, values in updates:
            queryset.update(**values)
        return
    statements = []
    for queryset, values in updates:
        query = queryset.query.chain(UpdateQuery)
        assert isinstance(query, UpdateQuery)
        query.add_update_values(values)
        joined = [alias for alias, count in query.alias_refcount.items() if count][1:]
        if query.get_related_updates() or joined:
            raise ValueError("rows_update takes filters and values on the model's own table")
        sql, params = query.get_compiler(using).as_sql()
        statements.append((sql, params))
    last, last_params = statements.pop()
    ctes = ", ".join(f"u{n} AS ({sql})" for n, (sql, _params) in enumerate(statements))
    params = [value for _sql, values in statements for value in values]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} {last}", [*params, *last_params])
