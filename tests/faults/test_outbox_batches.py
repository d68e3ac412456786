"""The outbox's fast path in batches: one drain queued at a time for many commits, each message
claimed once (one UPDATE … RETURNING per batch), marked delivered as soon as it ran, a long batch
giving back what it had not started, a crashed batch left to the sweep."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from celery import shared_task
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core import outbox
from marketplace.core.drains import drain_finished
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import (
    DRAIN,
    LEASE,
    Cause,
    outbox_deliver_batches,
    outbox_message_deliver,
    outbox_relay,
    outbox_undelivered,
    queue_task_on_commit,
)
from tests.payments.helpers import run_on_commit

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


@shared_task(name="tests.faults.test_outbox_batches.record_thing")
def record_thing(*, thing_id: int) -> None:
    CALLS.append(thing_id)


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()


@pytest.fixture
def queued(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Celery not eager (a queue to coalesce); the drains published are recorded, not sent."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    drain_finished(DRAIN)
    published: list[object] = []
    monkeypatch.setattr(
        outbox.outbox_deliver_fresh, "apply_async", lambda **kw: published.append(kw)
    )
    yield published
    drain_finished(DRAIN)


def _commit(thing_id: int, task: Any = record_thing) -> OutboxMessage:
    with run_on_commit():
        return queue_task_on_commit(task, cause=Cause("thing", thing_id, "made"), thing_id=thing_id)


def test_many_commits_queue_one_drain_which_delivers_them_all_in_one_claim(
    queued: list[object],
) -> None:
    # when three causes commit one after the other, before any drain ran
    messages = [_commit(n) for n in (1, 2, 3)]

    # then one drain was published for the three
    assert len(queued) == 1

    # when it runs
    with CaptureQueriesContext(connection) as captured:
        counts = outbox_deliver_batches()

    # then each message ran once, in order, and is marked delivered
    assert counts == {"delivered": 3, "failed": 0, "skipped": 0}
    assert CALLS == [1, 2, 3]
    for message in messages:
        message.refresh_from_db()
        assert (message.attempts, message.delivered_at is not None) == (1, True)
    # with one claim for the batch, one mark per message and the claims finding nothing left
    updates = [
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("UPDATE")
    ]
    # (a short batch: the flag is cleared and one more claim looks for what committed meanwhile)
    assert len([sql for sql in updates if "RETURNING" in sql]) == 2
    assert len(updates) == 2 + 3
    # and the next commit publishes a new drain (the last one finished)
    _commit(4)
    assert len(queued) == 2


@shared_task(name="tests.faults.test_outbox_batches.record_and_cause_another")
def record_and_cause_another(*, thing_id: int) -> None:
    CALLS.append(thing_id)
    _commit(thing_id + 1)  # a cause committed while the drain runs (its flag still set)


def test_a_message_committed_while_the_drain_runs_is_delivered_by_it_without_another_drain(
    queued: list[object],
) -> None:
    with run_on_commit():
        queue_task_on_commit(
            record_and_cause_another, cause=Cause("thing", 20, "made"), thing_id=20
        )
    assert len(queued) == 1

    counts = outbox_deliver_batches()

    assert counts == {"delivered": 2, "failed": 0, "skipped": 0}
    assert CALLS == [20, 21]
    assert len(queued) == 1  # the drain running took it: none published for it
    assert outbox_undelivered() == []


def test_a_message_delivered_by_a_drain_is_never_run_again_by_the_fast_path_or_the_sweep(
    queued: list[object],
) -> None:
    message = _commit(7)
    outbox_deliver_batches()

    assert outbox_deliver_batches() == {"delivered": 0, "failed": 0, "skipped": 0}
    assert outbox_message_deliver(message_id=message.pk) == "skipped"
    assert outbox_relay(now=timezone.now() + LEASE + timedelta(minutes=1))["delivered"] == 0
    assert CALLS == [7]


def test_a_batch_claimed_by_a_crashed_worker_is_left_to_the_sweep_after_its_lease(
    queued: list[object],
) -> None:
    # given messages claimed by a drain whose worker died before running them
    for n in (1, 2):
        _commit(n)
    claimed = outbox._claim_fresh(10)
    assert [kwargs for _pk, _name, kwargs, _attempts, _label in claimed] == [
        {"thing_id": 1},
        {"thing_id": 2},
    ]

    # then no other drain takes them, nor the sweep during their lease
    assert outbox_deliver_batches() == {"delivered": 0, "failed": 0, "skipped": 0}
    assert outbox_relay()["delivered"] == 0
    # and after it the sweep runs each once
    assert outbox_relay(now=timezone.now() + LEASE + timedelta(seconds=1))["delivered"] == 2
    assert CALLS == [1, 2]


def test_a_long_batch_gives_back_what_it_has_not_started_before_its_lease_could_end(
    queued: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a batch of three whose first task takes longer than half the lease
    for n in (1, 2, 3):
        _commit(n)
    clock = itertools.chain([0.0, 0.0], itertools.repeat(LEASE.total_seconds()))
    monkeypatch.setattr(outbox, "monotonic", lambda: next(clock))

    # when the drain runs one batch
    counts = outbox_deliver_batches(max_batches=1)

    # then it ran the first, and gave the two others back to the fast path, never tried
    assert (counts["delivered"], CALLS) == (1, [1])
    left = OutboxMessage.objects.filter(delivered_at__isnull=True).order_by("pk")
    assert [(m.kwargs, m.attempts) for m in left] == [({"thing_id": 2}, 0), ({"thing_id": 3}, 0)]
    # and asked for the next drain, which runs them
    assert len(queued) == 2
    monkeypatch.setattr(outbox, "monotonic", time.monotonic)
    assert outbox_deliver_batches()["delivered"] == 2
    assert CALLS == [1, 2, 3]


def test_the_broker_down_at_commit_leaves_the_message_to_the_sweep_and_the_next_commit_retries(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a broker that refuses the drain once
    settings.CELERY_TASK_ALWAYS_EAGER = False
    drain_finished(DRAIN)
    tries: list[object] = []

    def refuse_once(**kwargs: object) -> None:
        tries.append(kwargs)
        if len(tries) == 1:
            raise ConnectionError("the broker is down")

    monkeypatch.setattr(outbox.outbox_deliver_fresh, "apply_async", refuse_once)
    # when a cause commits: its message is saved, waiting for the sweep
    first = _commit(1)
    assert OutboxMessage.objects.get(pk=first.pk).delivered_at is None
    # then the next commit asks for a drain again (the failed one left no flag behind)
    _commit(2)
    assert len(tries) == 2
    assert outbox_relay(now=timezone.now() + timedelta(minutes=1))["delivered"] == 2
    drain_finished(DRAIN)


def test_rolled_back_causes_leave_nothing_for_the_drain(queued: list[object]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_task_on_commit(record_thing, cause=Cause("thing", 9, "made"), thing_id=9)
        raise RuntimeError("the cause fails")

    assert queued == []
    assert outbox_deliver_batches()["delivered"] == 0
    assert CALLS == []


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_never_claim_the_same_message(queued: list[object]) -> None:
    # given four committed messages (alone: a flushed database may hold an earlier test's rows),
    # and a drain holding the claim of the first two
    OutboxMessage.objects.all().delete()
    for n in (1, 2, 3, 4):
        with transaction.atomic():
            queue_task_on_commit(record_thing, cause=Cause("thing", n, "made"), thing_id=n)
    first: list[int] = []
    claimed, release = threading.Event(), threading.Event()

    def first_drain() -> None:
        try:
            with transaction.atomic():
                first.extend(pk for pk, *_rest in outbox._claim_fresh(2))
                claimed.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=first_drain)
    thread.start()
    assert claimed.wait(30)

    # when a second drain claims meanwhile
    second = [pk for pk, *_rest in outbox._claim_fresh(10)]
    release.set()
    thread.join(30)

    # then it took the two others, without waiting for the first
    all_ids = sorted(OutboxMessage.objects.values_list("pk", flat=True))
    assert (first, second) == (all_ids[:2], all_ids[2:])


def test_a_commits_drain_waits_half_a_second_for_the_commits_after_it(
    queued: list[dict[str, Any]], settings: Any
) -> None:
    # when a cause commits
    _commit(30)
    # then its drain is published to run half a second later (the commits of that while share
    # it), without publish retries (a broker down leaves the message to the sweep)
    assert queued == [{"retry": False, "countdown": 0.5}]
    # when the drain finds its batches full, the drain it asks for to go on runs at once
    outbox_deliver_batches(batch=1, max_batches=1)
    assert queued[1:] == [{"retry": False, "countdown": 0}]


def test_with_no_drain_delay_a_commits_drain_runs_at_once(
    queued: list[dict[str, Any]], settings: Any
) -> None:
    settings.OUTBOX_DRAIN_DELAY_SECONDS = 0
    _commit(40)
    assert queued == [{"retry": False, "countdown": 0}]


@shared_task(name="tests.faults.test_outbox_batches.record_and_cause_a_chain")
def record_and_cause_a_chain(*, thing_id: int) -> None:
    CALLS.append(thing_id)
    _commit(thing_id + 1, record_and_cause_another)


def test_under_steady_commits_a_drain_ends_after_its_look_and_the_next_one_takes_over(
    queued: list[dict[str, Any]],
) -> None:
    # given a drain asked for by a first commit
    _commit(30, record_and_cause_a_chain)
    assert len(queued) == 1

    # when it runs, and what it runs commits more while it runs (31 while its flag is set, then
    # 32 once its batch came back short and the flag was cleared)
    counts = outbox_deliver_batches()

    # then it took what committed before its last look, and left the rest to a new drain
    # (published by that commit, to wait for the ones after it) instead of running on
    assert counts == {"delivered": 2, "failed": 0, "skipped": 0}
    assert CALLS == [30, 31]
    assert len(queued) == 2 and queued[1]["countdown"] == 0.5
    assert [m.kwargs for m in outbox_undelivered()] == [{"thing_id": 32}]
