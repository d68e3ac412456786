"""The outbox: one row per side effect, written in the same transaction as its cause."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class OutboxMessage(models.Model):
    """A Celery task to run (at least once) because something happened.

    Written by `marketplace.core.outbox.queue_task_on_commit` inside the transaction of its cause,
    so the task exists exactly when the cause does. `delivered_at` is set once the task has run to
    its end; until then the relay (on-commit fast path, then the beat sweep) runs it again each
    time `available_at` has passed. Handlers are idempotent.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    # The cause: what changed (a model label), which one, and why.
    cause_type = models.CharField(max_length=64)
    cause_id = models.CharField(max_length=64)
    reason = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not before: the sweep leaves the message to the fast path until then, and a delivery under
    # way holds it (a lease) so that only a crashed one is taken over.
    available_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # What a task that does several things (an email to each recipient) has already done, by the
    # keys it names them with: a failure in the middle records them (`outbox.DeliveredInPart`),
    # and the next try is told them, so that it does only the rest.
    progress = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_undelivered",
                condition=Q(delivered_at__isnull=True),
            ),
            models.Index(fields=["cause_type", "cause_id"], name="outbox_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} for {self.cause_type} {self.cause_id} ({self.reason})"
