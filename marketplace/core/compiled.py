"""Queries compiled once per process, then run with other values (#16: checkout at scale).

Building a QuerySet and compiling it to SQL costs far more CPU than running it (a checkout's
stock UPDATE: ~3 ms of Python for a statement PostgreSQL runs in a fraction of that). A hot
query whose shape never changes is built once with `Slot`s where its values go, compiled by the
ORM as usual, and its SQL kept; each run binds the values to the slots, each prepared by its
field as a lookup would prepare it. The SQL is the ORM's (a slot in parentheses where a value
was), the same text at every run: PostgreSQL prepares it (server-side binding).

    statement = compiled_query(("stock_lock", n), lambda: Stock.objects.filter(
        variant_id__in=[Slot(f"v{i}", Stock._meta.pk) for i in range(n)]).values_list("id"))
    rows = statement.run(v0=..., v1=...)

The key names the shape (one process has one database: the key need not say which): everything but the slots' values must be the same for one key (a list's
length is part of the shape). `run` returns what iterating the QuerySet would: model instances
(their `select_related` relations included) or `values_list` tuples; `sql_params` gives the SQL
and bound parameters of a data-modifying statement (`marketplace.core.updates`).
Not kept: querysets with `prefetch_related`, `only`/`defer`, extra selects or `values()` dicts.
A `select_for_update` query is still refused outside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql import InsertQuery
from django.db.transaction import TransactionManagementError

from marketplace.core.value_preparation import UNKNOWN, known_preparer, plain_pre_save

# Shapes kept per process (each key's SQL, a few kB): far more than the hot queries need.
MAX_KEPT = 2000


@dataclass(frozen=True)
class _Bind:
    """Where a slot's value goes in the parameters, and the field that prepares it."""

    name: str
    field: Field[Any, Any]
    for_save: bool


class Slot(Expression):
    """A value given when the compiled query runs (`CompiledQuery.run(name=value)`), prepared
    by `field` (a model field or a bare one: `models.IntegerField()`) as a lookup would (as a
    save would, for the value of a column an UPDATE sets)."""

    def __init__(self, name: str, field: Any) -> None:  # a Field (get_field() types it wider)
        super().__init__(output_field=field)
        self.name = name
        self.prepared_by = field
        self.for_save = False

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Slot:
        resolved: Slot = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved.for_save = for_save
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return "%s", (_Bind(self.name, self.prepared_by, self.for_save),)


class Slots(Expression):
    """The values of an `__in` lookup (`field__in=Slots("v", 3, field)`: slots v0, v1, v2),
    compiled as a list of values would be: `IN (%s, %s, %s)`."""

    def __init__(self, prefix: str, count: int, field: Any) -> None:
        super().__init__(output_field=field)
        self.slots = [Slot(f"{prefix}{i}", field) for i in range(count)]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        params = tuple(b for slot in self.slots for b in slot.as_sql(compiler, connection)[1])
        return "(" + ", ".join(["%s"] * len(params)) + ")", params


class CompiledStatement:
    """SQL and parameters compiled once; `sql_params` binds the slots."""

    def __init__(self, sql: str, params: Sequence[Any], using: str) -> None:
        self.sql = sql
        # A Slot may also stand as a parameter of raw SQL (RawSQL("… = %s", [slot])).
        self.params = tuple(
            p.as_sql(None, None)[1][0] if isinstance(p, Slot) else p for p in params
        )
        self.using = using
        self.binds = any(isinstance(p, _Bind) for p in self.params)

    def sql_params(self, **values: Any) -> tuple[str, list[Any]]:
        """The SQL and its parameters, the slots bound to `values`."""
        if not self.binds:
            return self.sql, list(self.params)
        connection = connections[self.using]
        return self.sql, [
            (
                p.field.get_db_prep_save(values[p.name], connection)
                if p.for_save
                else p.field.get_db_prep_value(values[p.name], connection, prepared=False)
            )
            if isinstance(p, _Bind)
            else p
            for p in self.params
        ]


class CompiledQuery(CompiledStatement):
    def __init__(self, built: QuerySet[Any]) -> None:
        queryset: Any = built  # its private state (what the ORM's iterables read) is read here
        if (
            queryset._prefetch_related_lookups
            or queryset.query.deferred_loading[0]
            or queryset._known_related_objects
        ):
            raise ValueError("compiled_query keeps no prefetch_related, only(), defer()")
        self.locks = queryset.query.select_for_update
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        super().__init__(sql, params, queryset.db)
        self.kind = queryset._iterable_class
        if self.kind not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise ValueError("compiled_query runs model or values_list querysets")
        if compiler.has_extra_select:
            raise ValueError("compiled_query keeps no extra selects")
        self.columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(self.columns)
        if self.kind is ModelIterable:
            klass_info = compiler.klass_info
            self.model: type[Model] = klass_info["model"]
            fields = klass_info["select_fields"]
            self.model_start, self.model_end = fields[0], fields[-1] + 1
            self.init_list = [
                column.target.attname
                for column, _sql, _alias in compiler.select[self.model_start : self.model_end]
            ]
            populators: Any = get_related_populators  # Django 5.2's: no fetch_mode yet
            self.populators = populators(klass_info, compiler.select, self.using)
            self.annotations = dict(compiler.annotation_col_map or {})
        elif queryset._fields:
            names = [
                *queryset.query.values_select,
                *queryset.query.annotation_select,
            ]
            if list(queryset._fields) != names:
                raise ValueError("compiled_query keeps values_list fields in their SQL order")

    def run(self, **values: Any) -> list[Any]:
        """The rows, as iterating the QuerySet would give them."""
        connection = connections[self.using]
        if self.locks and connection.get_autocommit():  # as the ORM checks it
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        sql, params = self.sql_params(**values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (functions, column) in self.converters.items():
                    value = row[position]
                    for function in functions:
                        value = function(value, column, connection)
                    row[position] = value
        if self.kind is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.kind is ValuesListIterable:
            return [tuple(row) for row in rows]
        return [self._instance(row) for row in rows]

    def _instance(self, row: Any) -> Model:
        obj = self.model.from_db(self.using, self.init_list, row[self.model_start : self.model_end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations.items():
            setattr(obj, name, row[position])
        return obj


_KEPT: dict[Hashable, Any] = {}


def _kept(key: Hashable, build: Callable[[], Any]) -> Any:
    kept = _KEPT.get(key)
    if kept is None:
        if len(_KEPT) >= MAX_KEPT:
            _KEPT.clear()
        kept = _KEPT[key] = build()
    return kept


def compiled_query(key: Hashable, build: Callable[[], QuerySet[Any]]) -> CompiledQuery:
    """The query `build()` returns, compiled the first time this process meets `key`."""
    query: CompiledQuery = _kept(("query", key), lambda: CompiledQuery(build()))
    return query


def compiled_statement(
    key: Hashable, build: Callable[[], tuple[str, Sequence[Any]]], *, using: str
) -> CompiledStatement:
    """The statement (SQL, parameters with slots) `build()` returns, e.g. `update_statement`'s,
    built the first time this process meets `key`."""
    statement: CompiledStatement = _kept(
        ("statement", key, using), lambda: CompiledStatement(*build(), using)
    )
    return statement


class _InsertPlan:
    """The SQL of a model's INSERT, compiled by the ORM once per shape."""

    def __init__(self, sql: str) -> None:
        self.sql = sql


def _insert_params(
    objs: Sequence[Model], fields: Sequence[Field[Any, Any]], using: str
) -> list[Any] | None:
    """The objects' values, each prepared by its field as the ORM prepares it (`pre_save`,
    which sets auto_now columns on the object, then `get_db_prep_save`): one array per column
    for several rows (PostgreSQL's UNNEST), one value per column for one row. None when a value
    is an expression (the ORM compiles it)."""
    connection = connections[using]
    columns = []
    for field in fields:
        column = []
        # The fields and values whose preparation is known take the short way (same values).
        prepare = known_preparer(field, connection)
        attname = field.attname if plain_pre_save(field) else None
        for obj in objs:
            value = getattr(obj, attname) if attname else field.pre_save(obj, add=True)
            if prepare is not None:
                prepared = prepare(value, connection)
                if prepared is not UNKNOWN:
                    column.append(prepared)
                    continue
            if hasattr(value, "resolve_expression"):
                return None
            column.append(field.get_db_prep_save(value, connection=connection))
        columns.append(column)
    if len(objs) > 1:
        return columns
    return [column[0] for column in columns]


def _same(ours: Any, orms: Any) -> bool:
    """Our parameters are the ORM's (values that do not compare, e.g. psycopg's Jsonb
    wrappers, by their type and text)."""
    if isinstance(ours, list | tuple) and isinstance(orms, list | tuple):
        return len(ours) == len(orms) and all(_same(a, b) for a, b in zip(ours, orms, strict=True))
    return bool(ours == orms) or (type(ours) is type(orms) and repr(ours) == repr(orms))


def compiled_insert(
    objs: Sequence[Model],
    *,
    fields: Sequence[Field[Any, Any]],
    using: str,
    on_conflict: Any = None,
    update_fields: Sequence[Field[Any, Any]] | None = None,
    unique_fields: Sequence[Field[Any, Any]] | None = None,
) -> tuple[str, list[Any]]:
    """The INSERT of `objs` (new objects of one model) as the ORM compiles it (`InsertQuery`,
    as bulk_create does), its SQL compiled once per process and shape (one row, or several:
    PostgreSQL's UNNEST takes one array per column whatever their number). The first time, the
    ORM's parameters must be the ones `_insert_params` prepares (the ORM compiles from the
    values it set), else the ORM compiles this shape every time."""
    model = type(objs[0])
    key = (
        "insert",
        model,
        tuple(f.attname for f in fields),
        on_conflict,
        tuple(f.attname for f in update_fields or ()),
        tuple(f.attname for f in unique_fields or ()),
        len(objs) > 1,
        using,
    )

    def orms(raw: bool) -> tuple[str, list[Any]]:
        query = InsertQuery(
            model, on_conflict=on_conflict, update_fields=update_fields, unique_fields=unique_fields
        )
        query.insert_values(list(fields), list(objs), raw=raw)
        [(sql, params)] = query.get_compiler(using=using).as_sql()
        return sql, list(params)

    plan = _KEPT.get(key)
    if plan is False:
        return orms(raw=False)
    ours = _insert_params(objs, fields, using)
    if ours is None:
        return orms(raw=False)
    if plan is not None:
        return plan.sql, ours
    # raw: the ORM takes the values as they are (pre_save has run, once, above).
    sql, params = orms(raw=True)
    if len(_KEPT) >= MAX_KEPT:
        _KEPT.clear()
    # A field with its own placeholder may compile differently for other values: never kept.
    placeholders = any(hasattr(field, "get_placeholder") for field in fields)
    _KEPT[key] = _InsertPlan(sql) if not placeholders and _same(ours, params) else False
    return sql, params
