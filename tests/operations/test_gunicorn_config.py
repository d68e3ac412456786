"""deploy/gunicorn.conf.py, as production runs it: the app preloaded, workers recycled."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.database import database_url, other_backends
from tests.servers import free_port, port_wait

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return int(response.status)


@pytest.mark.django_db
def test_gunicorn_serves_from_the_preloaded_app_and_its_recycled_workers(tmp_path):
    # Given gunicorn on the test database, one worker recycled after every 3 requests
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_MAX_REQUESTS": "3",
        "GUNICORN_LOG_LEVEL": "debug",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        assert port_wait(port), log.read_text()[-2000:]
        # When ten requests follow each other
        statuses = [_get(f"http://127.0.0.1:{port}/health/") for _ in range(10)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        # Its workers' server processes outlive them a moment: gone before the next test
        # counts the database's connections (tests/operations/test_celery_worker.py).
        deadline = time.monotonic() + 10
        while other_backends() and time.monotonic() < deadline:
            time.sleep(0.05)
    text = log.read_text()
    # Then every one was served, by workers forked from the master that had loaded the app
    assert statuses == [200] * 10, text[-2000:]
    workers = set(re.findall(r"Booting worker with pid: (\d+)", text))
    assert len(workers) >= 4, text[-2000:]  # the first, then one after every 3 requests
    assert text.count("Autorestarting worker after current request") >= 3
    assert str(server.pid) not in workers
    assert re.search(r"preload_app: True", text)
