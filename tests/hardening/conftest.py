"""Fixtures of the hardening tests: raw HTTP posts and a guard against requests that hang."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

HANG_GUARD_SECONDS = 30


class Hung(Exception):
    pass


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fails a test whose request would keep a worker busy (not a timing assertion: a guard)."""

    def _raise(*_args: Any) -> None:
        raise Hung(f"the request was still running after {HANG_GUARD_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(HANG_GUARD_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def post_json(client: Client, body: Any, **headers: Any) -> Any:
    return client.post("/graphql/", json.dumps(body), content_type="application/json", **headers)
