"""Celery tasks of the checkout domain."""

from __future__ import annotations

from celery import shared_task

from marketplace.checkout.reservations import reservations_purge_expired


@shared_task(name="marketplace.checkout.tasks.purge_expired_reservations", ignore_result=True)
def purge_expired_reservations() -> int:
    """Beat task: drops expired reservations (every few minutes is plenty)."""
    return reservations_purge_expired()
