"""Helpers of the fault-injection tests: a Redis of the test's own, the outbox's beat sweep run
at will."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from datetime import datetime, timedelta

from django.utils import timezone

from marketplace.core.outbox import GRACE, LEASE, outbox_relay, outbox_undelivered


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnRedis:
    """A redis-server of this test alone, on a free loopback port: stopped and started at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def relay_later(*, seconds: float = 0) -> dict[str, int]:
    """The beat sweep as it runs once the fast path's grace (and a crashed delivery's lease,
    when `seconds` says so) has passed."""
    when: datetime = timezone.now() + GRACE + timedelta(seconds=seconds)
    return outbox_relay(now=when)


def relay_until_done(*, rounds: int = 5) -> None:
    """Sweeps until nothing is left (each task may record the next one, e.g. the transfer's send)."""
    for _ in range(rounds):
        if not outbox_undelivered():
            return
        relay_later(seconds=LEASE.total_seconds() + 1)
    assert outbox_undelivered() == []
