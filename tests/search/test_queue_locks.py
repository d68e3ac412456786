"""A drain and a checkout marking the same products take the queue's rows in one order: the
drain waits for the checkout, never the two for each other (a deadlock failed a checkout)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from search import indexing
from search.models import IndexQueue
from tests.database import lock_waits
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _mark(product_ids: list[int]) -> None:
    indexing.mark_products_dirty(product_ids=product_ids)


def test_a_drain_waits_for_a_checkout_marking_its_products_and_never_deadlocks(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(indexing, "_enqueue", lambda *args, **kwargs: None)  # no drain asked
    low, high = sorted(ProductFactory.create_batch(2), key=lambda product: product.pk)
    # Given both queued, the higher id first in the table (marked earlier)
    long_ago = timezone.now() - timedelta(minutes=5)
    IndexQueue.objects.create(product_id=high.pk, town_id=1, marked_at=long_ago)
    IndexQueue.objects.create(
        product_id=low.pk, town_id=1, marked_at=long_ago + timedelta(seconds=1)
    )
    read = list(IndexQueue.objects.values_list("product_id", "marked_at"))
    low_marked, drain_blocked = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def checkout() -> None:  # marks the low product, then (the drain waiting) the high one
        try:
            with transaction.atomic():
                _mark([low.pk])
                low_marked.set()
                assert drain_blocked.wait(10)
                _mark([high.pk])
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def drain() -> None:  # removes the two rows it read, as the drain does once indexed
        try:
            assert low_marked.wait(10)
            indexing._dequeue(read)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout), threading.Thread(target=drain)]
    for thread in threads:
        thread.start()
    # When the drain is waiting for the checkout's lock
    deadline = time.monotonic() + 10
    while lock_waits() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    drain_blocked.set()
    for thread in threads:
        thread.join(20)

    # Then both finished without error and both products stay queued with the checkout's mark
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    marks = dict(IndexQueue.objects.values_list("product_id", "marked_at"))
    assert set(marks) == {low.pk, high.pk}
    assert all(marked > long_ago + timedelta(seconds=1) for marked in marks.values())
