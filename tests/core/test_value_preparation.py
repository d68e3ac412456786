"""The short way of preparing a value (`marketplace/core/value_preparation.py`) gives what the
field's own `get_db_prep_save` gives, for every field of every model and every value it takes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils.translation import gettext_lazy

from marketplace.core.value_preparation import UNKNOWN, known_preparer, plain_pre_save
from marketplace.orders.models import Order, OrderStatus
from search.models import IndexQueue

SAMPLES: list[Any] = [
    None,
    "text",
    OrderStatus.PAID,
    gettext_lazy("lazy text"),
    0,
    7,
    True,
    Decimal("12.50"),
    Decimal("NaN"),
    datetime(2026, 12, 2, 21, 0, tzinfo=UTC),
    datetime(2026, 12, 2, 21, 0),  # naive
    uuid.UUID("134d7a7b-d205-4c4a-93d1-3e2f2aa9cab9"),
    1.5,
]


def _same(short: Any, orms: Any) -> bool:
    # psycopg's integer wrappers do not compare: by their type and text.
    return type(short) is type(orms) and (short == orms or repr(short) == repr(orms))


def test_each_known_preparation_is_the_fields_own():
    # given every concrete field of every model, on the tests' database (PostgreSQL)
    fields = [f for model in apps.get_models() for f in model._meta.concrete_fields]
    checked = 0
    for field in fields:
        prepare = known_preparer(field, connection)
        if prepare is None:
            continue
        for value in SAMPLES:
            # when a value is prepared the short way
            short = prepare(value, connection)
            if short is UNKNOWN:
                continue
            # then the field prepares it the same
            assert _same(short, field.get_db_prep_save(value, connection)), (field, value)
            checked += 1
    assert checked > 500


def test_what_is_not_known_is_left_to_the_field():
    # given fields of each kind
    status = Order._meta.get_field("status")
    created = Order._meta.get_field("created_at")
    attempts = IndexQueue._meta.get_field("attempts")
    json_field = next(
        f for model in apps.get_models() for f in model._meta.concrete_fields
        if f.get_internal_type() == "JSONField"
    )  # fmt: skip
    # then a lazy text, a naive datetime, a bool for an integer, JSON are the field's to prepare
    assert known_preparer(status, connection)(gettext_lazy("paid"), connection) is UNKNOWN
    naive = datetime(2026, 12, 2, 21, 0)
    assert known_preparer(created, connection)(naive, connection) is UNKNOWN
    assert known_preparer(attempts, connection)(True, connection) is UNKNOWN
    assert known_preparer(json_field, connection) is None
    # and auto_now columns are set by their field's pre_save
    assert plain_pre_save(status) is True
    assert plain_pre_save(created) is False
