"""The dummy gateway (demo, tests of non-payment logic): everything succeeds at once.

Ids are derived from the idempotency key, so replaying a call returns the same id.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.conf import settings

from marketplace.core.money import ZERO
from payments.gateways import BalanceLine, IntentResult, WebhookVerificationError


def _id(prefix: str, key: str) -> str:
    return f"{prefix}_dummy_{hashlib.sha256(key.encode()).hexdigest()[:16]}"


class DummyGateway:
    name = "dummy"
    charges_fees = False

    def payment_create(
        self,
        *,
        amount: Decimal,
        currency: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentResult:
        return IntentResult(
            intent_id=_id("pi", idempotency_key),
            client_secret=None,
            status="succeeded",
            charge_id=_id("ch", idempotency_key),
        )

    def payment_cancel(self, *, intent_id: str, idempotency_key: str) -> None:
        return None

    def charge_fee(self, *, charge_id: str) -> Decimal | None:
        return ZERO

    def account_create(
        self, *, country: str, email: str, metadata: dict[str, str], idempotency_key: str
    ) -> str:
        return _id("acct", idempotency_key)

    def account_link_create(
        self, *, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        return f"{settings.PUBLIC_BASE_URL}/?onboarded={account_id}"

    def transfer_create(self, *, idempotency_key: str, **_: Any) -> str:
        return _id("tr", idempotency_key)

    def refund_create(self, *, idempotency_key: str, **_: Any) -> str:
        return _id("re", idempotency_key)

    def refund_find(self, *, charge_id: str, metadata: dict[str, str]) -> str | None:
        return None

    def transfer_find(self, *, transfer_group: str, metadata: dict[str, str]) -> str | None:
        return None

    def transfer_reverse(self, *, idempotency_key: str, **_: Any) -> str:
        return _id("trr", idempotency_key)

    def webhook_verify(self, *, payload: bytes, signature: str | None) -> dict[str, Any]:
        raise WebhookVerificationError("The dummy gateway receives no webhooks.")

    def balance_lines(self, *, created_gte: int | None = None) -> list[BalanceLine]:
        return []
