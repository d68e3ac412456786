"""A real Celery worker on the real Redis broker runs a task against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from marketplace.accounts.tasks import send_welcome_email
from marketplace.celery import app as celery_app
from marketplace.celery import close_old_database_connections
from tests.database import database_url, other_backends
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path, settings):
    """A worker process on its own queue, using the test database and a file email backend."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert celery_app.conf.task_always_eager is False
    queue = f"test-worker-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "CELERY_QUEUE": queue,
    }
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
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue, tmp_path / "mail"
    process.terminate()
    process.wait(timeout=30)
    # Its server process outlives it a moment: gone before the next test counts connections.
    deadline = time.monotonic() + 10
    while other_backends() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_welcome_email(worker):
    queue, mail_dir = worker
    user = UserFactory(email="worker@example.org", language="en")

    result = send_welcome_email.apply_async(args=[user.pk], queue=queue)

    assert result.get(timeout=60) is True
    deadline = time.monotonic() + 10
    while not (mail_dir.exists() and any(mail_dir.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.1)
    message = next(mail_dir.iterdir()).read_text()
    assert "To: worker@example.org" in message
    assert "Welcome to your town's marketplace" in message


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_keeps_its_database_connection_from_one_task_to_the_next(worker):
    # Celery's Django fixup would close it around every task: each task a new server process.
    queue, _mail_dir = worker
    first, second = UserFactory(language="en"), UserFactory(language="en")

    assert send_welcome_email.apply_async(args=[first.pk], queue=queue).get(timeout=60) is True
    after_first = other_backends()
    assert send_welcome_email.apply_async(args=[second.pk], queue=queue).get(timeout=60) is True

    assert len(after_first) == 1
    assert other_backends() == after_first


@pytest.mark.django_db(transaction=True)
def test_around_a_worker_task_a_connection_past_its_age_is_closed_and_a_fresh_one_kept():
    connection.close()
    connection.ensure_connection()  # a fresh one: CONN_MAX_AGE from now
    close_old_database_connections(sender=send_welcome_email)
    assert connection.connection is not None

    connection.close_at = time.monotonic() - 1  # CONN_MAX_AGE has passed
    close_old_database_connections(sender=send_welcome_email)

    assert connection.connection is None


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_connection_and_transaction_alone():
    connection.ensure_connection()
    send_welcome_email.push_request(is_eager=True)
    try:
        close_old_database_connections(sender=send_welcome_email)
    finally:
        send_welcome_email.pop_request()

    assert connection.connection is not None
    assert connection.in_atomic_block
