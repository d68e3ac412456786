"""An order's emails reach each recipient once, even when the mail server fails in the middle:
the outbox keeps who was written to, and the retry writes only to the others."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import ClassVar

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import LEASE, outbox_message_deliver
from marketplace.orders.models import Order

pytestmark = pytest.mark.django_db

BACKEND = f"{__name__}.RefusingSomeBackend"


class RefusingSomeBackend(EmailBackend):
    """The test outbox (locmem), whose server refuses to send to the addresses in `refused`."""

    refused: ClassVar[set[str]] = set()

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if self.refused & set(message.to):
                raise smtplib.SMTPServerDisconnected("the mail server went away")
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings) -> Iterator[set[str]]:
    settings.EMAIL_BACKEND = BACKEND
    RefusingSomeBackend.refused.clear()
    yield RefusingSomeBackend.refused
    RefusingSomeBackend.refused.clear()


@pytest.fixture
def paid(three_shop_order) -> tuple[Order, list[str]]:
    """A paid order of three shops, its emails not sent yet: (order, the shops' addresses)."""
    order, shops = three_shop_order
    mail.outbox.clear()
    return order, [s.email for s in shops]


def _paid_emails_message(order: Order) -> OutboxMessage:
    return OutboxMessage.objects.get(
        task_name="marketplace.orders.tasks.send_order_notification",
        kwargs__order_id=order.pk,
        kwargs__event="order_paid",
    )


def _recipients() -> list[str]:
    return [address for email in mail.outbox for address in email.to]


def test_a_failure_in_the_middle_is_retried_for_the_recipients_not_yet_written_to(paid, refusing):
    # given a paid order of three shops, and a mail server that refuses the second shop's email
    order, shop_emails = paid
    message = _paid_emails_message(order)
    refusing.add(shop_emails[1])

    # when the order's "paid" emails are sent
    assert outbox_message_deliver(message_id=message.pk) == "failed"

    # then the customer and the first shop got theirs, the message is kept for a retry and
    # remembers whom it wrote to
    assert _recipients() == ["client@example.org", shop_emails[0]]
    message.refresh_from_db()
    assert message.delivered_at is None
    assert len(message.progress) == 2 and "customer" in message.progress
    assert "SMTPServerDisconnected" in message.last_error

    # when the server is back and the retry comes
    refusing.clear()
    later = timezone.now() + LEASE + timedelta(hours=1)
    assert outbox_message_deliver(message_id=message.pk, sweep=True, now=later) == "delivered"

    # then the two other shops got theirs, and nobody got an email twice
    assert _recipients() == ["client@example.org", *shop_emails]
    message.refresh_from_db()
    assert message.delivered_at is not None


def test_a_second_failure_keeps_what_both_tries_sent(paid, refusing):
    order, shop_emails = paid
    message = _paid_emails_message(order)
    later = timezone.now() + LEASE + timedelta(hours=1)

    # the first try stops at the second shop, the second try at the third
    refusing.add(shop_emails[1])
    assert outbox_message_deliver(message_id=message.pk) == "failed"
    refusing.clear()
    refusing.add(shop_emails[2])
    assert outbox_message_deliver(message_id=message.pk, sweep=True, now=later) == "failed"
    message.refresh_from_db()
    assert len(message.progress) == 3

    # the third one writes only to the last shop
    refusing.clear()
    assert (
        outbox_message_deliver(message_id=message.pk, sweep=True, now=later + timedelta(hours=1))
        == "delivered"
    )
    assert _recipients() == ["client@example.org", *shop_emails]


def test_a_server_down_from_the_first_email_records_nothing_and_the_retry_sends_all(paid, refusing):
    order, shop_emails = paid
    message = _paid_emails_message(order)
    refusing.add("client@example.org")

    assert outbox_message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert (_recipients(), message.progress) == ([], [])

    refusing.clear()
    later = timezone.now() + LEASE + timedelta(hours=1)
    assert outbox_message_deliver(message_id=message.pk, sweep=True, now=later) == "delivered"
    assert _recipients() == ["client@example.org", *shop_emails]
