"""Governance emails, sent by Celery after the decision commits."""

from __future__ import annotations

from celery import shared_task

from marketplace.governance.notifications import vendor_decision_email_send


@shared_task(name="marketplace.governance.tasks.send_vendor_decision_email")
def send_vendor_decision_email(vendor_id: int, action: str) -> bool:
    return vendor_decision_email_send(vendor_id=vendor_id, action=action)
