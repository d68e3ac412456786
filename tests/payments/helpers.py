"""Helpers of the payments tests: signed Stripe webhook events for stripe-mock, on-commit
callbacks run inside a test."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

from django.test import TestCase

WEBHOOK_SECRET = "whsec_test_payments"
STRIPE_MOCK = os.environ.get("STRIPE_API_BASE") or "http://127.0.0.1:12111"


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def post_event(client: Any, event: dict[str, Any], **kwargs: Any) -> Any:
    payload = json.dumps(event).encode()
    header = kwargs.pop("header", None)
    if header is None:
        header = signature(payload, **kwargs)
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    with run_on_commit():
        return client.post(
            "/payments/stripe/webhook/", payload, content_type="application/json", **extra
        )


def run_on_commit() -> Any:
    """Runs the on-commit callbacks (Celery tasks, eager) even inside a test transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


_counter = {"n": 0}


def event(type_: str, obj: dict[str, Any], *, created: int | None = None, id_: str = "") -> dict:
    _counter["n"] += 1
    return {
        "id": id_ or f"evt_test_{_counter['n']}_{int(time.time() * 1000)}",
        "object": "event",
        "type": type_,
        "created": created if created is not None else int(time.time()),
        "data": {"object": obj},
    }


def intent_object(payment: Any, *, status: str = "succeeded", charge: str = "ch_test_1") -> dict:
    minor = int(payment.amount * 100)
    return {
        "id": payment.intent_id,
        "object": "payment_intent",
        "amount": minor,
        "amount_received": minor if status == "succeeded" else 0,
        "currency": payment.currency.lower(),
        "status": status,
        "latest_charge": charge,
        "metadata": {"order_id": str(payment.order_id), "order_number": payment.order.number},
    }
