"""Side effects recorded with their cause, delivered at least once (the transactional outbox).

`queue_task_on_commit(task, cause=…, **kwargs)` is the one way the domain schedules a Celery task
(like Zulip's `queue_event_on_commit`): it takes the task itself, writes an `OutboxMessage` in the
caller's transaction (what to run, and what caused it), and once that transaction commits hands
the broker. Whatever happens next, the message stays until its task has run to its end:
- the broker is down at commit: the message waits; the beat sweep `outbox_relay` delivers it;
- the task fails (a provider's 5xx, a timeout): it is tried again, backing off up to 10 minutes;
- the worker dies in the middle: the delivery's lease runs out and the sweep runs it again.
So tasks scheduled here must be idempotent (they take ids and call idempotent services).
A task that does several things that cannot be undone (an email to each of several recipients)
raises `DeliveredInPart` with the keys of those it did when one fails: the message keeps them
(`progress`), and the next try is called with `done=` them, so that nobody hears twice.

Delivery in batches (the fast path): a commit does not publish its messages one by one; it asks
for a drain (`marketplace.core.drains`: at most one queued at a time). The drain task
`outbox_deliver_fresh` claims up to DRAIN_BATCH messages never tried with one
`UPDATE … RETURNING` (`FOR UPDATE SKIP LOCKED`: two drains never take the same message), runs
them one after the other, and marks each delivered as soon as its task has ended. A worker dying
in the middle of a batch loses nothing: the messages it claimed and did not mark are run again
by the sweep once their lease is over; only the one whose task had ended but was not marked yet
is run twice (an email sent again), as with one message per Celery task. A batch that runs long
(a slow provider) gives the messages it has not started back before their lease could end.
The drain a commit asks for runs OUTBOX_DRAIN_DELAY_SECONDS (default 0.5) after it, so that the
commits of that while share it: each drain has a fixed cost (a Celery message, its claims),
which at checkout rates was paid every order or two (#16). 0: a drain at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from celery import Task, current_app, shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from marketplace.core.drains import drain_finished, drain_request, drains_coalesce
from marketplace.core.inserts import row_insert_statement
from marketplace.core.models import OutboxMessage
from marketplace.core.updates import Statement, rows_returned

logger = logging.getLogger(__name__)

# The fast path has this long before the sweep takes a message that was never tried.
GRACE = timedelta(seconds=30)
# A delivery under way holds its message this long; past it, the sweep assumes it crashed.
LEASE = timedelta(minutes=5)
MAX_BACKOFF_SECONDS = 600
SWEEP_BATCH = 200
# Delivered messages are kept this long (to answer "was it sent?"), then purged daily.
DELIVERED_KEPT = timedelta(days=30)
# A message that has failed this many times is logged as an error and reported by /health/.
FAILING_ATTEMPTS = 8
# The fast path's drain: messages claimed per UPDATE, batches per Celery message (then it
# publishes the next drain, leaving the worker to its other tasks in between).
DRAIN_BATCH = 50
DRAIN_MAX_BATCHES = 10
DRAIN = "outbox"


class DeliveredInPart(Exception):
    """Raised by a task when part of its work is done and the rest failed: `done` names the
    parts done (keys of the task's choosing), `error` is what failed. The message is tried again
    later, its task called with `done=` every part done so far."""

    def __init__(self, *, done: Iterable[str], error: BaseException) -> None:
        super().__init__(f"done {sorted(done)}, then {error!r}")
        self.done = frozenset(done)
        self.error = error


@dataclass(frozen=True)
class Cause:
    """What changed (`shop_order`, `payment`, …), which one (its id) and why (`fulfilled`, …)."""

    what: str
    id: int | str
    why: str


def queue_task_on_commit(
    task: Task[..., object], /, *, cause: Cause, **kwargs: Any
) -> OutboxMessage:
    """Records `task(**kwargs)` in the current transaction; delivers it after commit.

    `kwargs` are JSON values (ids). Call it inside the transaction that makes the change, so the
    side effect is saved if and only if its cause is.
    """
    queued = queue_task_statement(task, cause=cause, **kwargs)
    [message_pk] = rows_returned(using=OutboxMessage.objects.db, statement=queued.statement)
    return queued.inserted(message_pk)


@dataclass(frozen=True)
class QueuedTask:
    """A message to record: its INSERT (returning its key), for the caller to make in one of its
    statements; then `inserted(key)`, which delivers it after the commit."""

    message: OutboxMessage
    statement: Statement

    def inserted(self, pk: int) -> OutboxMessage:
        self.message.pk = pk
        self.message._state.adding = False
        self.message._state.db = OutboxMessage.objects.db
        transaction.on_commit(lambda: _publish(pk))
        return self.message


def queue_task_statement(task: Task[..., object], /, *, cause: Cause, **kwargs: Any) -> QueuedTask:
    """`queue_task_on_commit`, its INSERT given back (`QueuedTask`): the caller makes it in its
    transaction, e.g. with its own writes in one statement (an order paid: with its ledger rows,
    `marketplace.orders.status`), and must call `inserted` with the key it returned."""
    if task.name not in current_app.tasks:
        raise ValueError(f"{task.name} is not a registered Celery task")
    now = timezone.now()
    message = OutboxMessage(
        task_name=task.name,
        kwargs=kwargs,
        cause_type=cause.what[:64],
        cause_id=str(cause.id)[:64],
        reason=cause.why[:64],
        available_at=now + GRACE,
    )
    # One INSERT, compiled once per process (a side effect of most writes).
    return QueuedTask(message, row_insert_statement(message))


def _publish(message_id: int | None) -> None:
    """Asks for the fast path's drain; eager Celery (nothing queued): runs this message now."""
    try:
        # No publish retries: a broker that is down leaves the message to the sweep at once.
        if message_id is not None and not drains_coalesce():
            outbox_deliver.apply_async(args=(message_id,), retry=False)
        else:
            # A commit's drain waits for the commits of the next while; the drain's own request
            # for more (message_id None: its batches were full) runs at once.
            delay = settings.OUTBOX_DRAIN_DELAY_SECONDS if message_id is not None else 0
            drain_request(
                DRAIN, lambda: outbox_deliver_fresh.apply_async(retry=False, countdown=delay)
            )
    except Exception:  # any broker error: the message is saved, the sweep delivers it
        logger.warning(
            "outbox message %s not queued: the relay will deliver it", message_id, exc_info=True
        )


def _task(name: str) -> Task[..., object]:
    tasks = current_app.tasks
    if name not in tasks:
        current_app.loader.import_default_modules()  # a process that never loaded the tasks
    return tasks[name]


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def outbox_message_deliver(
    *, message_id: int, sweep: bool = False, now: datetime | None = None
) -> str:
    """Runs a message's task once, unless delivered or held by another delivery.

    The fast path takes only a message never tried; the sweep only one whose time has come
    (`now`: the present, or later in tests). Returns "delivered", "failed" (tried again later)
    or "skipped".
    """
    now = now or timezone.now()
    claim = Q(available_at__lte=now) if sweep else Q(attempts=0)
    claimed = OutboxMessage.objects.filter(claim, pk=message_id, delivered_at__isnull=True).update(
        attempts=F("attempts") + 1, available_at=now + LEASE
    )
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    return _run(
        message.pk,
        message.task_name,
        message.kwargs,
        message.attempts,
        str(message),
        progress=message.progress,
    )


def _run(
    pk: int,
    task_name: str,
    kwargs: dict[str, Any],
    attempts: int,
    label: str,
    progress: list[str] | None = None,
) -> str:
    """Runs a claimed message's task; marks it delivered, or failed with its backoff.

    `progress`: what earlier tries did (`DeliveredInPart`), given to the task as `done`. A
    message never tried (the fast path's) has none."""
    try:
        _task(task_name)(**({**kwargs, "done": progress} if progress else kwargs))
    except Exception as error:  # every failure is retried: the message stays until it runs
        log = logger.error if attempts >= FAILING_ATTEMPTS else logger.warning
        log("outbox message %s (%s) failed, attempt %s: %r", pk, label, attempts, error)
        changes: dict[str, Any] = {}
        if isinstance(error, DeliveredInPart):
            changes["progress"] = sorted({*(progress or ()), *error.done})
        OutboxMessage.objects.filter(pk=pk).update(
            available_at=timezone.now() + _backoff(attempts),
            last_error=repr(error)[:2000],
            **changes,
        )
        return "failed"
    OutboxMessage.objects.filter(pk=pk).update(delivered_at=timezone.now(), last_error="")
    return "delivered"


_CLAIM_FRESH = """
UPDATE {table} SET attempts = attempts + 1, available_at = %s
WHERE id IN (
    SELECT id FROM {table} WHERE delivered_at IS NULL AND attempts = 0
    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
)
RETURNING id, task_name, kwargs, attempts, cause_type, cause_id, reason
"""


def _claim_fresh(limit: int) -> list[tuple[int, str, dict[str, Any], int, str]]:
    """Claims up to `limit` messages never tried, oldest first (one statement on PostgreSQL):
    (pk, task name, kwargs, attempts, label)."""
    lease_end = timezone.now() + LEASE
    if connection.vendor != "postgresql":  # the demo's SQLite: no SKIP LOCKED, one process
        ids = list(
            OutboxMessage.objects.filter(delivered_at__isnull=True, attempts=0)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxMessage.objects.filter(pk__in=ids, attempts=0).update(
            attempts=F("attempts") + 1, available_at=lease_end
        )
        rows = list(
            OutboxMessage.objects.filter(pk__in=ids).values_list(
                "pk", "task_name", "kwargs", "attempts", "cause_type", "cause_id", "reason"
            )
        )
    else:
        table = connection.ops.quote_name(OutboxMessage._meta.db_table)
        with connection.cursor() as cursor:
            # Only the model's table name is formatted in; the values are bound parameters.
            cursor.execute(_CLAIM_FRESH.format(table=table), [lease_end, limit])
            rows = cursor.fetchall()
    claimed = []
    for pk, task_name, kwargs, attempts, cause_type, cause_id, reason in sorted(rows):
        if isinstance(kwargs, str):  # raw jsonb text (Django's psycopg loaders)
            kwargs = json.loads(kwargs)
        label = f"{task_name} for {cause_type} {cause_id} ({reason})"
        claimed.append((pk, task_name, kwargs, attempts, label))
    return claimed


def _release(ids: list[int]) -> None:
    """Gives claimed messages not started back to the fast path (never tried, again)."""
    OutboxMessage.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
        attempts=F("attempts") - 1, available_at=timezone.now() + GRACE
    )


def outbox_deliver_batches(
    *, batch: int = DRAIN_BATCH, max_batches: int = DRAIN_MAX_BATCHES
) -> dict[str, int]:
    """The fast path: runs the messages never tried, `batch` per claim, until none is left (or
    `max_batches` claims: then another drain is asked for). Returns counts by outcome."""
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    # Past half the lease, what a batch has not started goes back (no sweep may take it over).
    give_back_after = LEASE.total_seconds() / 2
    finished = False  # the flag cleared since the last claim
    for _ in range(max_batches):
        claimed = _claim_fresh(batch)
        if not claimed and not finished:
            drain_finished(DRAIN)
            claimed = _claim_fresh(batch)  # committed while the drain was still flagged
            finished = True
        if not claimed:
            return counts
        started = monotonic()
        for index, message in enumerate(claimed):
            if monotonic() - started > give_back_after:
                _release([pk for pk, *_rest in claimed[index:]])
                break
            counts[_run(*message)] += 1
        if finished:
            # That was the one look after the flag was cleared: what commits from now on asks
            # for its own drain (which waits OUTBOX_DRAIN_DELAY_SECONDS for the ones after it).
            return counts
        # A short batch emptied the queue: the flag is cleared now, and the next claim is the
        # one look after it (what committed meanwhile), instead of an empty claim before it.
        finished = len(claimed) < batch
        if finished:
            drain_finished(DRAIN)
    # More may be waiting: the next drain, after the worker's other tasks.
    drain_finished(DRAIN)
    _publish(None)
    return counts


def outbox_due(*, limit: int = SWEEP_BATCH, now: datetime | None = None) -> list[int]:
    """Undelivered messages whose time has come, oldest first."""
    return list(
        OutboxMessage.objects.filter(
            delivered_at__isnull=True, available_at__lte=now or timezone.now()
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_relay(*, limit: int = SWEEP_BATCH, now: datetime | None = None) -> dict[str, int]:
    """The sweep: delivers every due message (in this process). Returns counts by outcome."""
    counts = {"delivered": 0, "failed": 0, "skipped": 0}
    for message_id in outbox_due(limit=limit, now=now):
        counts[outbox_message_deliver(message_id=message_id, sweep=True, now=now)] += 1
    return counts


def outbox_undelivered(*, cause_type: str | None = None) -> list[OutboxMessage]:
    """What is still to run (for tests, checks and the admin)."""
    messages = OutboxMessage.objects.filter(delivered_at__isnull=True)
    if cause_type is not None:
        messages = messages.filter(cause_type=cause_type)
    return list(messages.order_by("pk"))


@dataclass(frozen=True)
class OutboxBacklog:
    undelivered: int
    failing: int  # undelivered after FAILING_ATTEMPTS tries or more: a person should look
    oldest_created_at: datetime | None


def outbox_backlog() -> OutboxBacklog:
    """What waits to run, for monitoring (/health/). One query."""
    totals = OutboxMessage.objects.filter(delivered_at__isnull=True).aggregate(
        undelivered=Count("pk"),
        failing=Count("pk", filter=Q(attempts__gte=FAILING_ATTEMPTS)),
        oldest=Min("created_at"),
    )
    return OutboxBacklog(
        undelivered=totals["undelivered"],
        failing=totals["failing"],
        oldest_created_at=totals["oldest"],
    )


def outbox_purge_delivered(*, older_than: timedelta = DELIVERED_KEPT) -> int:
    """Forgets messages delivered long ago (their causes keep the history); returns how many.
    Undelivered messages are never purged, however old."""
    deleted, _by_model = OutboxMessage.objects.filter(
        delivered_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


@shared_task(name="marketplace.core.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(message_id: int) -> str:
    """One message (what commits published before deliveries were batched)."""
    return outbox_message_deliver(message_id=message_id)


@shared_task(name="marketplace.core.tasks.outbox_deliver_fresh", ignore_result=True)
def outbox_deliver_fresh() -> dict[str, int]:
    """The fast path: the drain asked for on commit, every message never tried, in batches."""
    return outbox_deliver_batches()


@shared_task(name="marketplace.core.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> dict[str, int]:
    """The beat sweep (`core-outbox-relay`, every minute)."""
    return outbox_relay()


@shared_task(name="marketplace.core.tasks.outbox_purge", ignore_result=True)
def outbox_purge() -> int:
    """The daily purge (`core-outbox-purge`) of messages delivered more than 30 days ago."""
    return outbox_purge_delivered()
