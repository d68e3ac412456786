"""Loaded into a benchmark's Celery worker (`celery worker -I tests.benchmarks.worker_profile`,
bench_side_effects --worker): each prefork child adds up the CPU (process_time) of the tasks it
runs, by task name, from task_prerun to task_postrun, into BENCH_WORKER_PROFILE-<pid>.json after
every task, so that the children's CPU read from /proc can be split into the task bodies' and
Celery's around them. With BENCH_WORKER_CPROFILE=1 it also profiles them (cProfile on CPU time)
and writes the statistics to BENCH_WORKER_PROFILE-<pid>.prof when the child stops."""

from __future__ import annotations

import cProfile
import json
import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_postrun, task_prerun, worker_process_shutdown

PROFILER = cProfile.Profile(time.process_time) if os.environ.get("BENCH_WORKER_CPROFILE") else None
STARTED = [0.0]
CPU: dict[str, list[float]] = {}  # task name: [runs, CPU seconds]


@task_prerun.connect
def _start(**_kwargs: Any) -> None:
    STARTED[0] = time.process_time()
    if PROFILER is not None:
        PROFILER.enable()


@task_postrun.connect
def _stop(sender: Any = None, **_kwargs: Any) -> None:
    if PROFILER is not None:
        PROFILER.disable()
    runs = CPU.setdefault(getattr(sender, "name", "?"), [0, 0.0])
    runs[0] += 1
    runs[1] += time.process_time() - STARTED[0]
    Path(f"{os.environ['BENCH_WORKER_PROFILE']}-{os.getpid()}.json").write_text(json.dumps(CPU))


@worker_process_shutdown.connect
def _dump(**_kwargs: Any) -> None:
    if PROFILER is not None:
        PROFILER.dump_stats(f"{os.environ['BENCH_WORKER_PROFILE']}-{os.getpid()}.prof")
