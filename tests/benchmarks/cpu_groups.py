"""Benchmark helpers: CPU per process group from /proc, the SQL ceiling under pgbench, and the
served stack (gunicorn + a Celery worker with beat) on a benchmark's database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
from psycopg import sql

from tests.benchmarks.throwaway_db import database_drop, server_params
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
CEILING = next(
    (
        path
        for path in (ROOT.parent / "shared" / "bench" / "sql-ceiling",
                     Path("/work/shared/bench/sql-ceiling"))
        if path.exists()
    ),
    ROOT.parent / "shared" / "bench" / "sql-ceiling",
)  # fmt: skip
TICK = os.sysconf("SC_CLK_TCK")
# The application names of the served web's and worker's database connections (`served`).
WEB_CONNECTIONS = "bench-web"
WORKER_CONNECTIONS = "bench-worker"


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and of its children it has waited for; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    return sum(int(x) for x in fields[11:15]) / TICK


def descendants(pid: int) -> list[int]:
    """The process and all its descendants (from /proc/*/stat parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def engine_pids() -> list[int]:
    """The search engine's JVM (OpenSearch or Elasticsearch), by its command line."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"org.opensearch.bootstrap" in command or b"org.elasticsearch.bootstrap" in command:
                pids.append(int(entry.name))
    return pids


def _maintenance_connection(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection to the server's `postgres` database, as `url`'s user."""
    return psycopg.connect(**server_params(url), dbname="postgres", autocommit=True)


def _activity_pids(url: str, column: str, value: str) -> list[int]:
    """The PostgreSQL backends whose `column` of pg_stat_activity is `value` (same machine)."""
    query = sql.SQL("SELECT pid FROM pg_stat_activity WHERE {} = %s").format(sql.Identifier(column))
    with _maintenance_connection(url) as conn:
        rows = conn.execute(query, [value]).fetchall()
    return [int(pid) for (pid,) in rows]


def database_backends(url: str, database: str) -> list[int]:
    """The PostgreSQL backends connected to this database."""
    return _activity_pids(url, "datname", database)


def database_backends_named(url: str, application_name: str) -> list[int]:
    """The PostgreSQL backends whose clients gave this application name."""
    return _activity_pids(url, "application_name", application_name)


def url_named(url: str, application_name: str) -> str:
    """`url` with `application_name` among its options (the settings keep them)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={application_name}"


def database_server(url: str) -> list[int]:
    """The PostgreSQL server's processes: the postmaster (whose CPU reading includes the backends
    it has reaped, `process_cpu`) and every process it runs now, whatever the database."""
    with _maintenance_connection(url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        try:  # while the connection is open: its backend ends with it
            stat = Path(f"/proc/{int(row[0])}/stat").read_text()
        except OSError as error:
            raise RuntimeError("PostgreSQL does not run on this machine") from error
    return descendants(int(stat.rsplit(")", 1)[1].split()[1]))


class CpuGroups:
    """CPU seconds per named group of processes between `start()` and `stop()`.

    A group is a function returning its pids at that moment; a process that appears meanwhile
    counts from zero, one that ends meanwhile counts up to its last reading (so short-lived
    backends are under-counted: the benchmark's connections are persistent). A group named in
    `whole` holds a parent that reaps its children (`database_server`): its figure is the sum of
    its readings after minus before, as a child that ended is counted in the parent's.
    """

    def __init__(
        self, groups: dict[str, Callable[[], list[int]]], whole: frozenset[str] = frozenset()
    ) -> None:
        self.groups = groups
        self.whole = whole
        self.before: dict[str, dict[int, float]] = {}
        self.latest: dict[str, dict[int, float]] = {}
        self._sampling: tuple[threading.Event, threading.Thread] | None = None

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: process_cpu(pid) for pid in pids()} for name, pids in self.groups.items()
        }

    def start(self, sample_every: float | None = None) -> None:
        """Reads the groups now; with `sample_every` (seconds), again at that pace until `stop()`:
        a process that ends meanwhile counts up to its last reading (e.g. a PostgreSQL backend
        closed past CONN_MAX_AGE)."""
        self.before = self._read()
        self.latest = {name: dict(readings) for name, readings in self.before.items()}
        self._sampling = None
        if sample_every is not None:
            done = threading.Event()

            def sampling() -> None:
                while not done.wait(sample_every):
                    for name, readings in self._read().items():
                        self.latest.setdefault(name, {}).update(readings)

            sampler = threading.Thread(target=sampling, daemon=True)
            sampler.start()
            self._sampling = (done, sampler)

    def stop(self) -> dict[str, float]:
        if self._sampling is not None:  # stopped before the last reading
            done, sampler = self._sampling
            done.set()
            sampler.join()
        after = self._read()
        used = {}
        for name, readings in after.items():
            earlier = self.before.get(name, {})
            if name in self.whole:
                used[name] = max(0.0, sum(readings.values()) - sum(earlier.values()))
                continue
            last = {**self.latest.get(name, {}), **readings}
            used[name] = sum(max(0.0, cpu - earlier.get(pid, 0.0)) for pid, cpu in last.items())
        return used


@dataclass(frozen=True)
class CeilingLevel:
    tps: float
    # The PostgreSQL server's CPU per transaction (`database_server`, pgbench's backends
    # included through the postmaster that reaps them), in ms.
    postgres_ms: float


def ceiling(url: str, levels: list[int], seconds: int = 10) -> dict[int, CeilingLevel]:
    """tx/s and PostgreSQL CPU per transaction of the bare SQL of a 3-shop checkout
    (sql-ceiling/checkout.sql) under pgbench, on a throwaway database next to the benchmark's;
    {} when pgbench is missing."""
    name = f"{urlparse(url).path.lstrip('/')}_ceiling"
    admin = server_params(url)
    if not (CEILING / "checkout.sql").exists():
        print(f"  SQL ceiling: {CEILING} not found")
        return {}
    database_drop(admin, name)
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    results: dict[int, CeilingLevel] = {}
    try:
        with psycopg.connect(**admin, dbname=name, autocommit=True) as conn:
            conn.execute((CEILING / "schema.sql").read_text())  # type: ignore[arg-type]
        env = {**os.environ, "PGPASSWORD": admin["password"] or ""}
        for clients in levels:
            command = [
                "pgbench", "-n", "-h", str(admin["host"]), "-p", str(admin["port"]),
                "-U", str(admin["user"]), "-c", str(clients), "-j", str(min(clients, 2)),
                "-T", str(seconds), "-f", str(CEILING / "checkout.sql"), name,
            ]  # fmt: skip
            server = CpuGroups(
                {"postgres": lambda: database_server(url)}, whole=frozenset({"postgres"})
            )
            server.start()
            run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            used = server.stop()["postgres"]
            match = re.search(r"tps = ([0-9.]+)", run.stdout)
            done = re.search(r"number of transactions actually processed: ([0-9]+)", run.stdout)
            if match is None or done is None or not int(done.group(1)):
                print(f"  SQL ceiling at {clients} clients failed: {run.stderr[-300:]}")
                continue
            results[clients] = CeilingLevel(
                tps=float(match.group(1)), postgres_ms=used / int(done.group(1)) * 1000
            )
    except FileNotFoundError:
        print("  SQL ceiling: pgbench not installed (Debian: postgresql-client)")
    finally:
        database_drop(admin, name)
    return results


def worker_command(log: Path) -> list[str]:
    """The Celery worker with beat of the benchmarks: this process's queue (CELERY_QUEUE), two
    prefork children, the beat schedule file beside `log`."""
    return [
        sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-B",
        "-Q", os.environ["CELERY_QUEUE"], "--concurrency=2", "--loglevel=WARNING",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
        "-s", str(log.parent / f"beat-schedule-{os.getpid()}"),
    ] + (
        # Each child counts its tasks' CPU (bench_side_effects --worker).
        ["-I", "tests.benchmarks.worker_profile"] if os.environ.get("BENCH_WORKER_PROFILE") else []
    )  # fmt: skip


WORKER_ROLES = (("beat", b"celery beat"), ("children", b"ForkPoolWorker"))


def worker_roles(pid: int) -> dict[str, list[int]]:
    """The worker's processes by role: `main` (the consumer), `children` (the prefork pool that
    runs the tasks), `beat` (the embedded scheduler), from their titles (setproctitle)."""
    roles: dict[str, list[int]] = {"main": [], "children": [], "beat": []}
    for member in descendants(pid):
        try:
            title = Path(f"/proc/{member}/cmdline").read_bytes()
        except OSError:
            continue
        role = next((name for name, mark in WORKER_ROLES if mark in title), "main")
        roles[role].append(member)
    return roles


@contextmanager
def celery_worker(log: Path) -> Iterator[int]:
    """The benchmarks' Celery worker with beat alone (`worker_command`); its pid; stopped after."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        worker = subprocess.Popen(worker_command(log), cwd=ROOT, stdout=out, stderr=out)
        try:
            yield worker.pid
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


@contextmanager
def served(workers: int, log: Path) -> Iterator[dict[str, Any]]:
    """gunicorn (`workers` processes) and a Celery worker with beat, on this process's
    environment (the benchmark's database, queue and index prefix); stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_LOG_LEVEL": "warning",
        # A worker's first request imports much of the project: on a loaded machine that can
        # take longer than the production timeout (30 s) and the worker would be killed.
        "GUNICORN_TIMEOUT": "120",
    }
    # Their PostgreSQL connections are told apart by name (`database_backends_named`).
    web_env = {**env, "DATABASE_URL": url_named(env["DATABASE_URL"], WEB_CONNECTIONS)}
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("wb")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env=web_env, stdout=out, stderr=out,
    )  # fmt: skip
    worker_env = {**env, "DATABASE_URL": url_named(env["DATABASE_URL"], WORKER_CONNECTIONS)}
    worker = subprocess.Popen(worker_command(log), cwd=ROOT, env=worker_env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.3)
        yield {"port": port, "web": web.pid, "worker": worker.pid}
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        out.close()
