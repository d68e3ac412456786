"""Fault-injection fixtures on real services: a Redis of our own (never the team's), a Celery
worker process on it, Stripe (stripe-mock) behind a fault proxy."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from kombu import pools

from marketplace.celery import app as celery_app
from marketplace.core.outbox import GRACE, LEASE, outbox_relay, outbox_undelivered
from tests.payments.conftest import STRIPE_MOCK, dummy, eager, stripe  # noqa: F401  (fixtures)
from tests.payments.fault_server import FaultServer

ROOT = Path(__file__).resolve().parents[2]


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


def _reset_broker_connections() -> None:
    """Celery keeps its broker connections in pools (the app's, and kombu's registry keyed by
    broker URL): close and forget them all, so the next publish connects to the current broker."""
    with contextlib.suppress(Exception):
        pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def own_redis(settings: Any) -> Iterator[OwnRedis]:
    """Celery (not eager) publishing to a Redis started for this test; the team's is untouched."""
    redis = OwnRedis()
    redis.start()
    with contextlib.suppress(KeyError):
        del celery_app.conf.changes["task_always_eager"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_broker_connections()
    celery_app.conf.broker_url = redis.url
    try:
        yield redis
    finally:
        _reset_broker_connections()
        for key in ("broker_url", "task_always_eager"):
            with contextlib.suppress(KeyError):
                del celery_app.conf.changes[key]
        redis.stop()


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


@pytest.fixture
def worker_on_own_redis(own_redis: OwnRedis, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real Celery worker process (prefork, one child, late ack) on the test's own Redis and
    the test database; `kill()` kills its child in the middle of a task."""
    queue = f"faults-{os.getpid()}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": own_redis.url,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    state: dict[str, Any] = {"queue": queue, "env": env, "process": None}

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "marketplace",
                "worker",
                "-Q",
                queue,
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its own process group: killed with its pool's child
        )
        state["process"] = process
        return process

    def stop() -> None:
        process = state["process"]
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # no warm shutdown: killed mid-task
            process.wait(timeout=30)
        state["process"] = None

    state["start"], state["stop"] = start, stop
    try:
        yield state
    finally:
        stop()


@pytest.fixture
def fault_proxy() -> Iterator[FaultServer]:
    """stripe-mock behind a fault proxy: forwards (mode "proxy") until told to fail."""
    server = FaultServer(upstream=STRIPE_MOCK)
    server.mode = "proxy"
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
