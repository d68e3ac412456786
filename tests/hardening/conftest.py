"""Fixtures of the hardening tests: a guard against requests that hang (raw posts: helpers.py)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest

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
