"""New rows of several models, parents before children, in as few statements as the database allows.

PostgreSQL: one statement whatever the number of models. The objects get their primary keys
from the tables' own sequences, drawn ahead in blocks kept per database connection
(`KEYS_AHEAD`: one more statement once every few dozen rows), the children their parents' keys;
each model's INSERT (compiled by Django, as bulk_create would) is a data-modifying CTE of the
statement. Keys drawn ahead and never used are gaps, as a rolled-back insert leaves; keys are
unique, not in the order the rows are committed (order by created_at). Foreign keys are checked
at the end of the statement (Django declares them deferrable, initially deferred: at the
commit), once every row is in.
Elsewhere (the demo's SQLite): one bulk_create per model.
Other writes of the same transaction (`also`: SQL and parameters, e.g. the DELETE of what the new
rows replace) may ride in the same statement as data-modifying CTEs: they must neither read the
new rows nor touch the same rows as one another (they all see the statement's snapshot).

No save() signals are sent (none is used for domain logic here, as with bulk_create).
"""

from __future__ import annotations

import os
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import ForeignKey, Model

from marketplace.core.compiled import compiled_insert
from marketplace.core.updates import statements_joined


def rows_insert(
    *, groups: Sequence[Sequence[Model]], also: Sequence[tuple[str, Sequence[Any]]] = ()
) -> None:
    """Inserts each group (new objects of one model), in the given order: parents first; then
    runs the statements `also` (in that order where they are separate statements)."""
    groups = [objs for objs in groups if objs]
    if not groups:
        return
    using = type(groups[0][0])._default_manager.db
    connection = connections[using]
    if connection.vendor != "postgresql":
        for objs in groups:
            type(objs[0])._default_manager.bulk_create(objs)
        with connection.cursor() as cursor:
            for sql, values in also:
                cursor.execute(sql, values)
        return
    with connection.cursor() as cursor:
        for objs, keys in zip(groups, _keys_taken(cursor, connection, groups), strict=True):
            for obj, key in zip(objs, keys, strict=True):
                obj.pk = key
        statements: list[tuple[str, Sequence[Any]]] = []
        for objs in groups:
            model = type(objs[0])
            relations = [f for f in model._meta.concrete_fields if isinstance(f, ForeignKey)]
            for obj in objs:  # a parent's key, drawn above, onto its children
                for field in relations:
                    parent = field.get_cached_value(obj, default=None)
                    if parent is not None:
                        setattr(obj, field.attname, parent.pk)
            # Compiled once per model and shape (the ORM's SQL; the values prepared as it does).
            statements.append(
                compiled_insert(objs, fields=model._meta.concrete_fields, using=using)
            )
        last = statements.pop()
        cursor.execute(*statements_joined([*statements, *also, last]))
    for objs in groups:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using


# Keys drawn beyond a table's need when its keys drawn ahead run short (#16: the draw was a
# statement of its own in every checkoutComplete, ~0.2 ms of PostgreSQL's CPU; now once in
# every ~16 of them, at 3 lines each). A connection that ends leaves at most this many per table
# unused: gaps in a bigint sequence.
KEYS_AHEAD = 48

# Each table's key sequence, by connection alias and table: read from the catalog once per
# process (pg_get_serial_sequence in the draw itself cost as much as the draw, at every run).
_SEQUENCES: dict[tuple[str, str], str] = {}
# The keys drawn ahead, by the driver's connection (one per thread) and table, with the id of
# the process that drew them: a new connection (a new database) starts with none, and so does a
# forked process even if it were to inherit its parent's connection.
_KEYS_AHEAD: weakref.WeakKeyDictionary[Any, tuple[int, dict[str, deque[int]]]] = (
    weakref.WeakKeyDictionary()
)


def _keys_taken(cursor: Any, connection: Any, groups: Sequence[Sequence[Model]]) -> list[list[int]]:
    """One new key per object of each group, from its table's keys drawn ahead; when a table has
    too few, every table of the groups is drawn up to its need and `KEYS_AHEAD` more, in one
    statement."""
    drawn = _KEYS_AHEAD.get(connection.connection)
    if drawn is None or drawn[0] != os.getpid():
        drawn = _KEYS_AHEAD[connection.connection] = (os.getpid(), {})
    ahead = drawn[1]
    tables = [type(objs[0])._meta.db_table for objs in groups]
    needs: dict[str, int] = {}
    for table, objs in zip(tables, groups, strict=True):
        needs[table] = needs.get(table, 0) + len(objs)
    if any(len(ahead.get(table, ())) < need for table, need in needs.items()):
        draws = {
            table: _keys_draw(cursor, connection.alias, groups[tables.index(table)], count)
            for table, need in needs.items()
            if (count := need + KEYS_AHEAD - len(ahead.get(table, ()))) > 0
        }
        # Only the sequences' names and the counts are written in (`_keys_draw`).
        cursor.execute(f"SELECT {', '.join(draws.values())}")
        for table, keys in zip(draws, cursor.fetchone(), strict=True):
            ahead.setdefault(table, deque()).extend(keys)
    return [
        [ahead[table].popleft() for _ in objs] for table, objs in zip(tables, groups, strict=True)
    ]


def _keys_draw(cursor: Any, using: str, objs: Sequence[Model], count: int) -> str:
    """The SQL drawing `count` keys from the sequence of the objects' table (an array)."""
    meta = type(objs[0])._meta
    table, column = meta.db_table, meta.pk.column or meta.pk.attname
    sequence = _SEQUENCES.get((using, table))
    if sequence is None:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [f'"{table}"', column])
        sequence = _SEQUENCES[(using, table)] = cursor.fetchone()[0]
    # Only the sequence's name, as the catalog spells it (quoted where it must be), is written in.
    if "'" in sequence:
        raise ValueError(f"Unexpected quote in {sequence}")
    draw = f"nextval('{sequence}'::regclass)"
    return f"ARRAY(SELECT {draw} FROM generate_series(1, {count:d}))"  # noqa: S608


def row_insert(obj: Model) -> None:
    """Inserts one new object whose key the database draws (as `save(force_insert=True)`, with
    no save() signals), its INSERT compiled once per model (`compiled_insert`); sets its key."""
    model = type(obj)
    using = model._default_manager.db
    sql, params = row_insert_statement(obj)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = using


def row_insert_statement(obj: Model) -> tuple[str, list[Any]]:
    """`row_insert`'s statement (an INSERT returning the key the database draws), for a caller
    that makes it with other writes (it then sets the key and the object's state)."""
    model = type(obj)
    using = model._default_manager.db
    connection = connections[using]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql, params = compiled_insert([obj], fields=fields, using=using)
    table = connection.ops.quote_name(meta.db_table)
    key = connection.ops.quote_name(meta.pk.column or meta.pk.attname)
    return f"{sql} RETURNING {table}.{key}", params
