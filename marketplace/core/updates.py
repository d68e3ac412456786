"""Writes to several tables in one statement, where the database allows it.

PostgreSQL: each write (an UPDATE compiled by Django as `QuerySet.update` would, or any other
data-modifying statement with its parameters) but the last becomes a data-modifying CTE of the
last: one round trip. They all see the statement's snapshot, so none may touch rows another one
writes, nor read what another one writes. Elsewhere (the demo's SQLite): one statement each, in
the given order.

As with `QuerySet.update`: no save() signals, no `auto_now` (pass `updated_at` yourself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.sql import UpdateQuery

from marketplace.core.compiled import Slot, compiled_insert, compiled_statement

Statement = tuple[str, Sequence[Any]]


def update_statement(queryset: QuerySet[Any], values: dict[str, Any]) -> Statement:
    """The SQL of `queryset.update(**values)` (filters on the model's own columns only)."""
    query = queryset.query.chain(UpdateQuery)
    assert isinstance(query, UpdateQuery)
    query.add_update_values(values)
    joined = [alias for alias, count in query.alias_refcount.items() if count][1:]
    if query.get_related_updates() or joined:
        raise ValueError("update_statement takes filters and values on the model's own table")
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, params


def compiled_update_statement(
    model: type[Model], *, where: dict[str, Any], values: dict[str, Any]
) -> Statement:
    """The SQL of `model.objects.filter(**where).update(**values)` (as `update_statement`), its
    SQL compiled once per process and shape (the model, the names in `where` and `values`):
    each value is bound to a slot, prepared by its field as the ORM would (`where`: exact
    lookups on the model's own columns; `values`: plain values, no expressions)."""
    meta = model._meta
    using = model._default_manager.db

    def field(name: str) -> Any:
        return meta.pk if name == "pk" else meta.get_field(name)

    def build() -> Statement:
        return update_statement(
            model._default_manager.filter(
                **{name: Slot(f"w_{name}", field(name)) for name in where}
            ),
            {name: Slot(f"v_{name}", field(name)) for name in values},
        )

    if any(hasattr(value, "resolve_expression") for value in (*where.values(), *values.values())):
        raise ValueError("compiled_update_statement takes plain values, not expressions")
    statement = compiled_statement(
        ("update", model, tuple(where), tuple(values)), build, using=using
    )
    return statement.sql_params(
        **{f"w_{name}": value for name, value in where.items()},
        **{f"v_{name}": value for name, value in values.items()},
    )


def insert_ignoring_conflicts_statement(objs: Sequence[Model]) -> Statement:
    """The SQL of `bulk_create(objs, ignore_conflicts=True)` (one model, keys from the database)."""
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # Compiled once per model and shape (the ORM's SQL; the values prepared as it does).
    return compiled_insert(
        objs, fields=fields, using=model._default_manager.db, on_conflict=OnConflict.IGNORE
    )


def insert_updating_conflicts_statement(
    objs: Sequence[Model], *, unique_fields: Sequence[str], update_fields: Sequence[str]
) -> Statement:
    """The SQL of `bulk_create(objs, update_conflicts=True, unique_fields=…, update_fields=…)`
    (one model, every concrete column given, the key included)."""
    model = type(objs[0])
    meta = model._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    # Compiled once per model and shape (the ORM's SQL; the values prepared as it does).
    return compiled_insert(
        objs,
        fields=meta.concrete_fields,
        using=model._default_manager.db,
        on_conflict=OnConflict.UPDATE,
        unique_fields=[by_name[name] for name in unique_fields],
        update_fields=[by_name[name] for name in update_fields],
    )


def update_returning_statement(
    queryset: QuerySet[Any], values: dict[str, Any], *, returning: str
) -> Statement:
    """The SQL of `queryset.update(**values)` (as `update_statement`), returning the column
    `returning` (a column of the model's table) of each row it updates (`rows_returned`)."""
    return _returning(update_statement(queryset, values), queryset.model, returning)


def compiled_update_returning_statement(
    model: type[Model], *, where: dict[str, Any], values: dict[str, Any], returning: str
) -> Statement:
    """`compiled_update_statement` (compiled once per process and shape), returning the column
    `returning` of each row it updates, as `update_returning_statement`."""
    return _returning(
        compiled_update_statement(model, where=where, values=values), model, returning
    )


def _returning(statement: Statement, model: type[Model], column: str) -> Statement:
    sql, params = statement
    quote = connections[model._default_manager.db].ops.quote_name
    return f"{sql} RETURNING {quote(model._meta.db_table)}.{quote(column)}", params


def rows_returned(*, using: str, statement: Statement) -> list[Any]:
    """Runs a statement returning one column: its values."""
    sql, params = statement
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def update_returning(
    queryset: QuerySet[Any], values: dict[str, Any], *, returning: str
) -> list[Any]:
    """`queryset.update(**values)` (one statement, as `update_statement`), returning the column
    `returning` (a column of the model's table) of each row it updated."""
    return rows_returned(
        using=queryset.db,
        statement=update_returning_statement(queryset, values, returning=returning),
    )


def statements_joined(statements: Sequence[Statement]) -> Statement:
    """One PostgreSQL statement running these data-modifying statements: the first ones as
    CTEs, the last one's result (what it returns) as the whole statement's."""
    *firsts, (last, last_params) = statements
    if not firsts:
        return last, last_params
    ctes = ", ".join(f"w{n} AS ({sql})" for n, (sql, _params) in enumerate(firsts))
    params = [value for _sql, values in firsts for value in values]
    return f"WITH {ctes} {last}", [*params, *last_params]


def statements_run(*, using: str, statements: Sequence[Statement]) -> None:
    """Runs these data-modifying statements, in one on PostgreSQL."""
    if not statements:
        return
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        cursor.execute(*statements_joined(statements))


def statements_returning(*, using: str, statements: Sequence[Statement]) -> list[Any]:
    """Runs these data-modifying statements (in one on PostgreSQL) and gives the values of the
    one column the last one returns (`update_returning_statement`)."""
    if connections[using].vendor != "postgresql":
        statements_run(using=using, statements=statements[:-1])
        statements = statements[-1:]
    return rows_returned(using=using, statement=statements_joined(statements))
