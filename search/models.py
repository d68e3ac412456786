"""The dirty queue: products whose index documents must be rewritten or removed."""

from __future__ import annotations

from django.db import models


class IndexQueue(models.Model):
    """One row per product id still to (re)index; upserted by writes inside their transaction.

    Not a foreign key: the product may be deleted, and then its document must be removed.
    `town_id` remembers which town's index holds it (null: look in every town).
    A row is removed only once the engine has acknowledged the change made from a read that
    started after `marked_at`, so nothing marked is ever lost.
    """

    product_id = models.BigIntegerField(primary_key=True)
    town_id = models.BigIntegerField(null=True, blank=True)
    marked_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["marked_at", "product_id"]

    def __str__(self) -> str:
        return f"product {self.product_id} dirty since {self.marked_at:%Y-%m-%d %H:%M:%S}"
