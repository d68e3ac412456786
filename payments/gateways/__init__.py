"""The payment gateway interface and the configured gateway (`settings.PAYMENT_GATEWAY`).

Every gateway goes through the same calls and states; the services in `payments/` never talk
to a provider directly. Each call receives the deterministic idempotency key to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings


class GatewayError(Exception):
    """A provider call failed. `retryable`: a network error or a 5xx/429 (try again, same key)."""

    def __init__(self, message: str, *, retryable: bool, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


class WebhookVerificationError(Exception):
    """An inbound event whose signature, timestamp or body is not acceptable."""


@dataclass(frozen=True)
class IntentResult:
    intent_id: str
    client_secret: str | None
    status: str  # "pending" | "succeeded"
    charge_id: str = ""


@dataclass(frozen=True)
class BalanceLine:
    id: str
    type: str
    source: str
    amount: Decimal
    fee: Decimal
    currency: str


class Gateway(Protocol):
    name: str
    charges_fees: bool  # False: every charge's fee is zero, known without asking

    def payment_create(
        self,
        *,
        amount: Decimal,
        currency: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentResult: ...

    def payment_cancel(self, *, intent_id: str, idempotency_key: str) -> None: ...

    def charge_fee(self, *, charge_id: str) -> Decimal | None: ...

    def account_create(
        self, *, country: str, email: str, metadata: dict[str, str], idempotency_key: str
    ) -> str: ...

    def account_link_create(
        self, *, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str: ...

    def transfer_create(
        self,
        *,
        amount: Decimal,
        currency: str,
        destination: str,
        source_transaction: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> str: ...

    def refund_create(
        self,
        *,
        charge_id: str,
        amount: Decimal,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> str: ...

    def refund_find(self, *, charge_id: str, metadata: dict[str, str]) -> str | None:
        """The refund on the charge made with these metadata, if one was (idempotency window)."""
        ...

    def transfer_find(self, *, transfer_group: str, metadata: dict[str, str]) -> str | None:
        """The transfer of the group made with these metadata, if one was."""
        ...

    def transfer_reverse(
        self,
        *,
        transfer_id: str,
        amount: Decimal,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> str: ...

    def webhook_verify(self, *, payload: bytes, signature: str | None) -> dict[str, Any]: ...

    def balance_lines(self, *, created_gte: int | None = None) -> list[BalanceLine]: ...


def get_gateway(name: str | None = None) -> Gateway:
    name = name or getattr(settings, "PAYMENT_GATEWAY", "dummy")
    # Imported when chosen: each gateway module imports the interface defined here (a cycle at
    # the top), and a demo without Stripe never loads its SDK.
    if name == "stripe":
        from payments.gateways.stripe import StripeGateway

        return StripeGateway()
    from payments.gateways.dummy import DummyGateway

    return DummyGateway()
