"""The Stripe Connect gateway ("separate charges and transfers").

The only module that imports `stripe` (with the webhook signature check); amounts become minor
units, and back, through `payments/gateways/stripe_amounts.py`. The client's API base comes from
`settings.STRIPE_API_BASE` (stripe-mock in tests); the library retries network errors and 5xx
with the same idempotency key.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings

from payments.gateways import BalanceLine, GatewayError, IntentResult, WebhookVerificationError
from payments.gateways.stripe_amounts import from_minor, to_minor


@lru_cache(maxsize=8)
def _client(api_key: str, api_base: str, timeout: float, retries: int) -> stripe.StripeClient:
    bases: dict[str, str] = {}
    if api_base:
        bases = {"api": api_base, "connect": api_base, "files": api_base}
    return stripe.StripeClient(
        api_key,
        base_addresses=bases,  # type: ignore[arg-type]
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=retries,
    )


def stripe_client() -> stripe.StripeClient:
    return _client(
        settings.STRIPE_SECRET_KEY,
        getattr(settings, "STRIPE_API_BASE", ""),
        float(getattr(settings, "STRIPE_TIMEOUT_SECONDS", 20)),
        int(getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2)),
    )


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise GatewayError(str(error), retryable=True, code=type(error).__name__) from error
    except stripe.StripeError as error:
        # 409: the same idempotency key is in flight (a concurrent retry): try again later.
        status = error.http_status or 0
        retryable = status >= 500 or status in (0, 409, 429)
        raise GatewayError(str(error), retryable=retryable, code=error.code or "") from error


def _matching(objects: list[Any], metadata: dict[str, str]) -> str | None:
    """The id of the first object whose metadata hold all of `metadata`."""
    for item in objects:
        raw = getattr(item, "metadata", None) or {}
        found = raw.to_dict() if hasattr(raw, "to_dict") else dict(raw)
        if all(found.get(key) == value for key, value in metadata.items()):
            return str(item.id)
    return None


class StripeGateway:
    name = "stripe"
    charges_fees = True

    @property
    def client(self) -> stripe.StripeClient:
        return stripe_client()

    def payment_create(
        self,
        *,
        amount: Decimal,
        currency: str,
        transfer_group: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentResult:
        intent = _call(
            self.client.v1.payment_intents.create,
            params={
                "amount": to_minor(amount, currency),
                "currency": currency.lower(),
                "transfer_group": transfer_group,
                "metadata": metadata,
                "automatic_payment_methods": {"enabled": True},
            },
            options={"idempotency_key": idempotency_key},
        )
        return IntentResult(
            intent_id=intent.id, client_secret=intent.client_secret, status="pending"
        )

    def payment_cancel(self, *, intent_id: str, idempotency_key: str) -> None:
        _call(
            self.client.v1.payment_intents.cancel,
            intent_id,
            params={"cancellation_reason": "abandoned"},
            options={"idempotency_key": idempotency_key},
        )

    def charge_fee(self, *, charge_id: str) -> Decimal | None:
        charge = _call(
            self.client.v1.charges.retrieve,
            charge_id,
            params={"expand": ["balance_transaction"]},
        )
        balance = charge.balance_transaction
        if balance is None or isinstance(balance, str):
            return None
        return from_minor(int(balance.fee), balance.currency)

    def account_create(
        self, *, country: str, email: str, metadata: dict[str, str], idempotency_key: str
    ) -> str:
        account = _call(
            self.client.v1.accounts.create,
            params={
                "type": "express",
                "country": country,
                "email": email,
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
        return str(account.id)

    def account_link_create(
        self, *, account_id: str, refresh_url: str, return_url: str, idempotency_key: str
    ) -> str:
        link = _call(
            self.client.v1.account_links.create,
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
            options={"idempotency_key": idempotency_key},
        )
        return str(link.url)

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
    ) -> str:
        transfer = _call(
            self.client.v1.transfers.create,
            params={
                "amount": to_minor(amount, currency),
                "currency": currency.lower(),
                "destination": destination,
                "source_transaction": source_transaction,
                "transfer_group": transfer_group,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
        return str(transfer.id)

    def refund_create(
        self,
        *,
        charge_id: str,
        amount: Decimal,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> str:
        refund = _call(
            self.client.v1.refunds.create,
            params={
                "charge": charge_id,
                "amount": to_minor(amount, currency),
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
        return str(refund.id)

    def refund_find(self, *, charge_id: str, metadata: dict[str, str]) -> str | None:
        page = _call(self.client.v1.refunds.list, params={"charge": charge_id, "limit": 100})
        return _matching(page.data, metadata)

    def transfer_find(self, *, transfer_group: str, metadata: dict[str, str]) -> str | None:
        page = _call(
            self.client.v1.transfers.list,
            params={"transfer_group": transfer_group, "limit": 100},
        )
        return _matching(page.data, metadata)

    def transfer_reverse(
        self,
        *,
        transfer_id: str,
        amount: Decimal,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> str:
        reversal = _call(
            self.client.v1.transfers.reversals.create,
            transfer_id,
            params={"amount": to_minor(amount, currency), "metadata": metadata},
            options={"idempotency_key": idempotency_key},
        )
        return str(reversal.id)

    def webhook_verify(self, *, payload: bytes, signature: str | None) -> dict[str, Any]:
        secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
        if not secret:
            raise WebhookVerificationError("No webhook secret is configured.")
        if not signature:
            raise WebhookVerificationError("No Stripe-Signature header.")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                text,
                signature,
                secret,
                getattr(settings, "STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300),
            )
            event = json.loads(text)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise WebhookVerificationError(str(error)) from error
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise WebhookVerificationError("Not an event.")
        return event

    def balance_lines(self, *, created_gte: int | None = None) -> list[BalanceLine]:
        params: dict[str, Any] = {"limit": 100}
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        lines: list[BalanceLine] = []
        page = _call(self.client.v1.balance_transactions.list, params=params)
        while True:
            for item in page.data:
                source = item.source if isinstance(item.source, str) else ""
                lines.append(
                    BalanceLine(
                        id=item.id,
                        type=item.type,
                        source=source or "",
                        amount=from_minor(int(item.amount), item.currency),
                        fee=from_minor(int(item.fee), item.currency),
                        currency=item.currency.upper(),
                    )
                )
            if not page.has_more or not page.data or len(lines) >= 10000:
                return lines
            page = _call(
                self.client.v1.balance_transactions.list,
                params={**params, "starting_after": page.data[-1].id},
            )
