"""Account emails, sent by Celery after the transaction that created them commits."""

from __future__ import annotations

from celery import shared_task

from marketplace.accounts.emails import welcome_email_send
from marketplace.accounts.tokens import refresh_tokens_purge_expired


@shared_task(name="marketplace.accounts.tasks.send_welcome_email", ignore_result=False)
def send_welcome_email(user_id: int) -> bool:
    return welcome_email_send(user_id=user_id)


@shared_task(name="marketplace.accounts.tasks.purge_expired_refresh_tokens", ignore_result=True)
def purge_expired_refresh_tokens() -> int:
    """The daily purge (`accounts-purge-expired-refresh-tokens`)."""
    return refresh_tokens_purge_expired()
