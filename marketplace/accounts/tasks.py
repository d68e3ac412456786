"""Account emails, sent by Celery after the transaction that created them commits."""

from __future__ import annotations

from celery import shared_task

from marketplace.accounts.emails import welcome_email_send


@shared_task(name="marketplace.accounts.tasks.send_welcome_email", ignore_result=False)
def send_welcome_email(user_id: int) -> bool:
    return welcome_email_send(user_id=user_id)
