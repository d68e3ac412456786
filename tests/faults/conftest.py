"""Fault-injection fixtures on real services: a Redis of our own (never the team's), a Celery
worker process on it, Stripe (stripe-mock) behind a fault proxy."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import pools

from marketplace.celery import app as celery_app
from tests.database import database_url
from tests.faults.helpers import OwnRedis
from tests.payments.fault_server import FaultServer
from tests.payments.helpers import STRIPE_MOCK

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def worker_on_own_redis(own_redis: OwnRedis, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real Celery worker process (prefork, one child, late ack) on the test's own Redis and
    the test database; `kill()` kills its child in the middle of a task."""
    queue = f"faults-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
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
