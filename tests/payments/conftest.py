"""Payments fixtures: Stripe on stripe-mock, eager Celery, signed webhooks."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery._state import _set_task_join_will_block
from django.test import TestCase

from marketplace.celery import app as celery_app
from tests.payments.fault_server import FaultServer

WEBHOOK_SECRET = "whsec_test_payments"
STRIPE_MOCK = os.environ.get("STRIPE_API_BASE") or "http://127.0.0.1:12111"


def _forget_eager_override() -> None:
    """Drops an `app.conf.task_always_eager` written by earlier code, if any."""
    with contextlib.suppress(KeyError):
        del celery_app.conf.changes["task_always_eager"]


@pytest.fixture
def eager(settings: Any) -> Iterator[None]:
    """Celery eager for this test. Celery reads Django's settings live, so setting it there is
    enough (writing `app.conf` would shadow the setting for every later test)."""
    _forget_eager_override()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    _forget_eager_override()
    # Eager tasks run in several threads at once (concurrency tests) save and restore Celery's
    # process-wide "inside a task" flag out of order: put it back as a fresh process has it.
    _set_task_join_will_block(False)


@pytest.fixture
def stripe(settings: Any, eager: None) -> Any:
    """The Stripe gateway on stripe-mock, with a known webhook secret."""
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_API_BASE = STRIPE_MOCK
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.TRANSFER_TRIGGER = "fulfilment"
    return settings


@pytest.fixture(autouse=True)
def ledger_checked_after_each_scenario(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every payments scenario that made orders ends with `ledger_check` clean (manage.py
    ledger_check's invariants)."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    # Set up after the database (so torn down before it is rolled back or flushed).
    request.getfixturevalue("_django_db_helper")
    yield
    from marketplace.orders.models import Order
    from payments.ledger_check import ledger_check

    if Order.objects.exists():
        assert [str(violation) for violation in ledger_check()] == []


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A loopback server answering every request with a 500 (or slowly, mode "sleep")."""
    server = FaultServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def dummy(settings: Any, eager: None) -> Any:
    settings.PAYMENT_GATEWAY = "dummy"
    settings.TRANSFER_TRIGGER = "fulfilment"
    return settings


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
