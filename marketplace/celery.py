"""The Celery application. Tasks take ids, are idempotent, and call services.

Database connections in the worker live as long as in a web process: Celery's Django fixup
would close them before and after every task (unless CELERY_DB_REUSE_MAX is set, see
settings.py), which made each task open a new PostgreSQL connection (a new server process,
its prepared statements lost). Instead, around each task the worker does what Django does
around each request: `close_old_connections()` closes a connection past CONN_MAX_AGE or left
unusable by an error, and keeps the others.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender: Task[..., object] | None = None, **_: Any) -> None:
    """Around each task run by a worker: the connections past CONN_MAX_AGE or broken go, the
    others stay (Django's request_started/request_finished). Not around an eager task, which
    runs inside its caller's transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()
