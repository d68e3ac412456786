"""Celery tasks of the merchant side: they take ids, are idempotent, and call services.

The services import this module at their top to schedule these tasks (through the outbox), so
the tasks import the services inside: imported here at the top, they would close a cycle.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="vendors.tasks.send_vendor_invitation")
def send_vendor_invitation(invitation_id: int) -> bool:
    from vendors.members import vendor_invitation_send  # cycle: see the module's docstring

    return vendor_invitation_send(invitation_id=invitation_id)


@shared_task(name="vendors.tasks.notify_low_stock")
def notify_low_stock(stock_id: int) -> bool:
    from vendors.stock_updates import stock_low_notify  # cycle: see the module's docstring

    return stock_low_notify(stock_id=stock_id)


@shared_task(name="vendors.tasks.sweep_merchant_notifications")
def sweep_merchant_notifications() -> dict[str, int]:
    """Beat (every 10 minutes): invitations and low-stock emails whose task was lost."""
    from vendors.members import vendor_invitations_send_unsent  # cycle: see the docstring
    from vendors.stock_updates import stock_low_sweep  # cycle: see the docstring

    return {
        "invitations": vendor_invitations_send_unsent(),
        "low_stock": stock_low_sweep(),
    }
