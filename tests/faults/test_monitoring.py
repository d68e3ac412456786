"""What an operator's monitoring sees: side effects that keep failing make /health/ say "degraded"
(the site stays up); expired refresh tokens are purged by beat, not only at the user's next login."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.accounts.models import RefreshToken
from marketplace.accounts.tasks import purge_expired_refresh_tokens
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import FAILING_ATTEMPTS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _message(**fields):
    return OutboxMessage.objects.create(
        task_name="marketplace.accounts.tasks.send_welcome_email",
        kwargs={"user_id": 1},
        cause_type="test",
        cause_id="1",
        reason="test",
        available_at=timezone.now() + timedelta(hours=1),  # not the sweep's turn during the test
        **fields,
    )


def test_health_is_ok_with_side_effects_waiting_their_turn(client):
    _message(attempts=2, last_error="ConnectionError()")

    body = client.get("/health/").json()

    assert body["status"] == "ok"
    assert body["checks"]["outbox"]["ok"] is True
    assert body["checks"]["outbox"]["detail"].startswith("1 side effects waiting")


def test_health_says_degraded_when_a_side_effect_keeps_failing(client):
    _message(attempts=FAILING_ATTEMPTS, last_error="StripeError('down')")
    _message(attempts=FAILING_ATTEMPTS + 3, delivered_at=timezone.now())  # delivered in the end

    response = client.get("/health/")

    body = response.json()
    assert response.status_code == 200  # the site still serves
    assert body["status"] == "degraded"
    assert body["checks"]["outbox"]["ok"] is False
    assert body["checks"]["outbox"]["detail"].startswith(
        f"RuntimeError: 1 failed {FAILING_ATTEMPTS} times or more"
    )


def test_beat_purges_expired_refresh_tokens_of_users_who_never_come_back():
    now = timezone.now()
    user = UserFactory()
    RefreshToken.objects.create(user=user, jti="gone", expires_at=now - timedelta(seconds=1))
    RefreshToken.objects.create(user=user, jti="kept", expires_at=now + timedelta(days=1))

    purged = purge_expired_refresh_tokens.apply().get()

    assert purged == 1
    assert list(RefreshToken.objects.values_list("jti", flat=True)) == ["kept"]
