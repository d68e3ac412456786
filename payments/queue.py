"""Queues a payments task after commit without ever failing the caller: if the broker is down (or
an eager task fails), the error is logged and the beat task `retry_pending_transfers` catches up."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: Any) -> None:
    from payments import tasks

    task = getattr(tasks, task_name)
    try:
        task.delay(*args)
    except Exception:
        logger.exception("payments task %s%r not run", task_name, args)
