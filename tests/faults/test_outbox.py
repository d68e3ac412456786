"""The outbox itself: written with its cause or not at all, delivered once, retried with backoff
until its task ends, a crashed delivery taken over after its lease, the sweep leaving fresh
messages to the fast path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import (
    GRACE,
    LEASE,
    Cause,
    outbox_message_deliver,
    outbox_purge_delivered,
    outbox_relay,
    queue_task_on_commit,
)
from tests.payments.helpers import run_on_commit

pytestmark = pytest.mark.django_db

CALLS: list[dict[str, Any]] = []
FAILURES = {"left": 0}


@shared_task(name="tests.faults.test_outbox.record_call")
def record_call(**kwargs: Any) -> None:
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise ConnectionError("the provider is down")
    CALLS.append(kwargs)


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    FAILURES["left"] = 0


def test_a_message_is_kept_only_if_its_cause_commits(eager: None) -> None:
    # when the transaction that records it rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_task_on_commit(record_call, cause=Cause("thing", 1, "made"), thing_id=1)
        raise RuntimeError("the cause fails")

    # then there is no message and nothing ran
    assert OutboxMessage.objects.count() == 0
    assert CALLS == []


def test_the_fast_path_delivers_once_with_its_cause(eager: None) -> None:
    # when a message is recorded and its transaction commits
    with run_on_commit():
        message = queue_task_on_commit(record_call, cause=Cause("thing", 7, "made"), thing_id=7)

    # then the task ran once and the message is marked delivered, with its cause
    message.refresh_from_db()
    assert CALLS == [{"thing_id": 7}]
    assert (message.cause_type, message.cause_id, message.reason, message.attempts) == (
        "thing",
        "7",
        "made",
        1,
    )
    assert message.delivered_at is not None
    # and neither a second fast path nor a later sweep runs it again
    assert outbox_message_deliver(message_id=message.pk) == "skipped"
    assert outbox_relay(now=timezone.now() + GRACE + LEASE) == {
        "delivered": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert CALLS == [{"thing_id": 7}]


def test_a_failing_task_is_retried_with_backoff_until_it_runs(eager: None) -> None:
    # given a task failing twice
    FAILURES["left"] = 2
    with run_on_commit():
        message = queue_task_on_commit(record_call, cause=Cause("thing", 2, "made"), thing_id=2)

    # then the fast path failed, and the message waits 5 s, then 10 s
    message.refresh_from_db()
    assert (message.attempts, message.delivered_at, "ConnectionError" in message.last_error) == (
        1,
        None,
        True,
    )
    assert outbox_relay() == {"delivered": 0, "failed": 0, "skipped": 0}  # not due yet
    now = timezone.now()
    assert outbox_relay(now=now + timedelta(seconds=6)) == {
        "delivered": 0,
        "failed": 1,
        "skipped": 0,
    }
    message.refresh_from_db()
    assert 9 <= (message.available_at - now).total_seconds() <= 12
    assert outbox_relay(now=now + timedelta(seconds=30)) == {
        "delivered": 1,
        "failed": 0,
        "skipped": 0,
    }
    assert CALLS == [{"thing_id": 2}]


def test_the_sweep_leaves_a_fresh_message_to_the_fast_path_and_takes_over_a_crashed_one() -> None:
    # given a message whose fast path never ran (the broker was down at commit)
    with transaction.atomic():
        message = queue_task_on_commit(record_call, cause=Cause("thing", 3, "made"), thing_id=3)

    # then the sweep leaves it alone during the grace period, then delivers it
    assert outbox_relay() == {"delivered": 0, "failed": 0, "skipped": 0}
    assert outbox_relay(now=timezone.now() + GRACE) == {
        "delivered": 1,
        "failed": 0,
        "skipped": 0,
    }

    # given a delivery that crashed in the middle (claimed, never finished)
    with transaction.atomic():
        crashed = queue_task_on_commit(record_call, cause=Cause("thing", 4, "made"), thing_id=4)
    OutboxMessage.objects.filter(pk=crashed.pk).update(
        attempts=1, available_at=timezone.now() + LEASE
    )

    # then neither the fast path (redelivered by the broker) nor the sweep takes it during its
    # lease; after it, the sweep does
    assert outbox_message_deliver(message_id=crashed.pk) == "skipped"
    assert outbox_relay(now=timezone.now() + GRACE) == {"delivered": 0, "failed": 0, "skipped": 0}
    assert outbox_relay(now=timezone.now() + LEASE + timedelta(seconds=1)) == {
        "delivered": 1,
        "failed": 0,
        "skipped": 0,
    }
    assert CALLS == [{"thing_id": 3}, {"thing_id": 4}]
    assert message.pk != crashed.pk


def test_only_a_registered_task_can_be_queued() -> None:
    def not_a_task() -> None:
        return None

    with pytest.raises((ValueError, AttributeError)), transaction.atomic():
        queue_task_on_commit(not_a_task, cause=Cause("thing", 5, "made"))  # type: ignore[arg-type]


def test_the_daily_purge_forgets_old_delivered_messages_and_never_an_undelivered_one() -> None:
    now = timezone.now()
    old_delivered, recent_delivered, old_undelivered = (
        OutboxMessage.objects.create(
            task_name="tests.faults.test_outbox.record_call",
            cause_type="thing",
            cause_id=str(n),
            reason="made",
            available_at=now,
        )
        for n in range(3)
    )
    OutboxMessage.objects.filter(pk=old_delivered.pk).update(delivered_at=now - timedelta(days=31))
    OutboxMessage.objects.filter(pk=recent_delivered.pk).update(
        delivered_at=now - timedelta(days=1)
    )
    OutboxMessage.objects.filter(pk=old_undelivered.pk).update(created_at=now - timedelta(days=90))

    assert outbox_purge_delivered() == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent_delivered.pk,
        old_undelivered.pk,
    }
