"""Payments fixtures: the ledger checked after each scenario, a server that fails on purpose.
The gateways (`stripe`, `dummy`) and eager Celery are shared: tests/conftest.py; the webhook
helpers are in tests/payments/helpers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.payments.fault_server import FaultServer


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
