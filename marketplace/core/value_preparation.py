"""A value prepared for the database as its field would prepare it, without the field's chain of
methods, for the fields and value types whose preparation is known (#16: checkout at scale).

`field.pre_save(obj, add=True)` then `field.get_db_prep_save(value, connection)` is how the ORM
prepares a value it inserts: half a dozen calls per value, ~200 values per 3-shop checkout
(`marketplace.core.compiled.compiled_insert`). For the plain fields of Django 5.2 on PostgreSQL,
a value of the type the field keeps comes out as it went in (a text, an aware datetime, a finite
Decimal, a bool, a UUID, an auto key's int), or wrapped by the backend (an integer column's int,
`adapt_integerfield_value`); None stays None. Only those exact field classes and exact value
types take the short way; any other field (a subclass, JSON, …), value (a lazy text, a naive
datetime, an expression, …) or database gets `UNKNOWN`, and the caller lets the field prepare it.
`tests/core/test_value_preparation.py` checks each short way against the field's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models

UNKNOWN = object()

Preparer = Callable[[Any, Any], Any]

_TEXTS = (models.CharField, models.TextField, models.EmailField, models.SlugField)
_AUTO_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INTEGERS = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)
_RELATIONS = (models.ForeignKey, models.OneToOneField)


def _kept(kind: type) -> Preparer:
    def prepare(value: Any, _connection: Any) -> Any:
        return value if value is None or type(value) is kind else UNKNOWN

    return prepare


def _text(value: Any, _connection: Any) -> Any:
    # Any str (a TextChoices member too) is kept as it is by CharField/TextField.to_python.
    return value if value is None or isinstance(value, str) else UNKNOWN


def _aware_datetime(value: Any, _connection: Any) -> Any:
    if value is None or (isinstance(value, datetime) and value.utcoffset() is not None):
        return value
    return UNKNOWN


def _finite_decimal(value: Any, _connection: Any) -> Any:
    if value is None or (type(value) is Decimal and value.is_finite()):
        return value
    return UNKNOWN


def _integer(internal_type: str) -> Preparer:
    def prepare(value: Any, connection: Any) -> Any:
        if value is None:
            return None
        if type(value) is int:
            return connection.ops.adapt_integerfield_value(value, internal_type)
        return UNKNOWN

    return prepare


def _preparer(field: Any) -> Preparer | None:
    # A foreign key saves its value as its target field does (None: NULL).
    kind_field = field.target_field if type(field) in _RELATIONS else field
    kind = type(kind_field)
    if kind in _TEXTS:
        return _text
    if kind in _AUTO_KEYS:
        return _kept(int)
    if kind in _INTEGERS:
        return _integer(kind_field.get_internal_type())
    if kind is models.DateTimeField:
        return _aware_datetime
    if kind is models.DecimalField:
        return _finite_decimal
    if kind is models.BooleanField:
        return _kept(bool)
    if kind is models.UUIDField:
        return _kept(uuid.UUID)
    return None


_PREPARERS: dict[Any, Preparer | None] = {}


def known_preparer(field: models.Field[Any, Any], connection: Any) -> Preparer | None:
    """The short way of preparing `field`'s values on this connection (a function of the value
    and the connection, `UNKNOWN` for a value it does not know), or None when there is none."""
    if connection.vendor != "postgresql":
        return None
    prepare = _PREPARERS.get(field, UNKNOWN)  # one look-up (a field's hash is Python code)
    if prepare is UNKNOWN:
        prepare = _PREPARERS[field] = _preparer(field)
    return prepare  # type: ignore[return-value]


def plain_pre_save(field: models.Field[Any, Any]) -> bool:
    """`field.pre_save(obj, add=True)` only reads the object's attribute (no auto_now)."""
    if type(field).pre_save is models.Field.pre_save:
        return True
    return type(field) is models.DateTimeField and not field.auto_now and not field.auto_now_add
