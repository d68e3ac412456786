"""New rows of several models in one statement (`marketplace/core/inserts.py`): their keys come
from the tables' sequences, drawn ahead in blocks per connection."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.catalog.models import Category
from marketplace.core.inserts import KEYS_AHEAD, rows_insert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_keys_drawn_ahead(no_keys_drawn_ahead: None) -> None:
    """Each test starts as on a new connection (tests/conftest.py)."""


def _draws(captured: CaptureQueriesContext) -> int:
    return sum("nextval(" in query["sql"] for query in captured.captured_queries)


def test_keys_are_drawn_once_per_block_and_every_row_is_inserted_with_its_own():
    # given a parent category per insert, with two children each
    made = []
    with CaptureQueriesContext(connection) as captured:
        for n in range(KEYS_AHEAD + 2):
            parent = Category(slug=f"p{n}", name=f"Parent {n}")
            children = [
                Category(slug=f"p{n}-c{i}", name=f"Child {i}", parent=parent) for i in range(2)
            ]
            # when each insert runs
            rows_insert(groups=[[parent], children])
            made.append((parent, children))
    # then the table's keys were drawn 3 at a time plus KEYS_AHEAD (48) more: once every 17
    # inserts, besides which each insert was one statement
    assert _draws(captured) == 3
    statements = [q for q in captured.captured_queries if "pg_get_serial_sequence" not in q["sql"]]
    assert len(statements) == KEYS_AHEAD + 2 + 3
    # every object has its row, under the key it was given, the children under their parent
    keys = [obj.pk for parent, children in made for obj in (parent, *children)]
    assert len(set(keys)) == len(keys)
    stored = dict(Category.objects.filter(pk__in=keys).values_list("pk", "parent_id"))
    for parent, children in made:
        assert stored[parent.pk] is None
        assert [stored[child.pk] for child in children] == [parent.pk, parent.pk]


def test_rows_inserted_elsewhere_meanwhile_never_take_a_key_drawn_ahead():
    # given keys drawn ahead by a first insert
    first = Category(slug="first", name="First")
    rows_insert(groups=[[first]])
    # when a row is saved the usual way (its key from the sequence), then another insert runs
    usual = Category.objects.create(slug="usual", name="Usual")
    second = Category(slug="second", name="Second")
    rows_insert(groups=[[second]])
    # then the usual row's key is past every key drawn ahead, and the second is the next of them
    assert usual.pk > first.pk + KEYS_AHEAD
    assert second.pk == first.pk + 1


def test_a_forked_process_draws_its_own_keys(monkeypatch):
    # given keys drawn ahead on this connection
    rows_insert(groups=[[Category(slug="before", name="Before")]])
    # when the same connection is used by another process (as if inherited by a fork)
    monkeypatch.setattr(os, "getpid", lambda: -1)
    with CaptureQueriesContext(connection) as captured:
        rows_insert(groups=[[Category(slug="after", name="After")]])
    # then it draws keys of its own: never one its parent may give
    assert _draws(captured) == 1
