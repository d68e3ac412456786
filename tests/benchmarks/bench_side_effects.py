"""Benchmark: what one paid 3-shop order sets off in the worker, and what it costs there.

    python tests/benchmarks/bench_side_effects.py [--orders 200] [--profile]
        [--worker [--clients 1] [--idle 20]]

Uses a throwaway database (<DATABASE_URL's name>_bench_side_effects, created, migrated, dropped),
the dummy payment gateway, emails to the locmem backend and search indices of their own prefix
(the engine on SEARCH_URL, else the database backend). `--orders` checkouts (3 shops, 1 line
each) are completed through the service, with every Celery message they publish captured instead
of sent (nothing reaches a broker); then the captured messages are run in this process, as the
worker would run them, until none is left (a task may publish more). Prints, per order: outbox
rows written, Celery messages published, SQL statements the worker's tasks issue and their CPU
(the task bodies only: Celery's own cost per message is in bench_checkout.py --http), then checks
that every side effect happened (outbox delivered, search queue empty, emails sent).

`--worker [--clients N] [--idle S]`: the orders' messages go to a real Celery worker with beat
instead (started as bench_checkout --http starts it, on a queue of its own), from N threads;
prints the CPU per order of the worker's processes by role (main: the consumer; children: the
prefork pool; beat), read from /proc, less what they use idle (an S-second window first), and of
its PostgreSQL backends. With `--profile` each child profiles its tasks
(tests/benchmarks/worker_profile.py), and the children's CPU is split into the task bodies' and
Celery's around them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ["PAYMENT_GATEWAY"] = "dummy"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
os.environ["CELERY_QUEUE"] = f"bench-side-effects-{os.getpid()}"
os.environ["SEARCH_INDEX_PREFIX"] = f"bench-side-effects-{os.getpid()}"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

from tests.benchmarks import cpu_groups  # noqa: E402
from tests.benchmarks.seed import three_shops  # noqa: E402
from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("side_effects")

# The messages published, captured instead of sent: (task name, args, kwargs).
PUBLISHED: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []


def _capture_publishing() -> None:
    # Celery is imported once the environment above is set (its app reads Django's settings).
    from celery.app.task import Task

    def apply_async(self: Any, args: Any = None, kwargs: Any = None, **_options: Any) -> None:
        PUBLISHED.append((self.name, tuple(args or ()), dict(kwargs or {})))

    Task.apply_async = apply_async  # type: ignore[method-assign]


def _complete(town: Any, shops: list[list[Any]], count: int) -> None:
    # Django's modules are imported once main() has set the environment up and called setup().
    from django.contrib.auth.models import AnonymousUser

    from marketplace.checkout.complete import checkout_complete
    from marketplace.checkout.lines import LineInput, checkout_create

    for i in range(count):
        lines = [LineInput(variant_id=random.choice(variants).pk, quantity=1) for variants in shops]
        checkout = checkout_create(
            town_slug=town.slug, email=f"c{i}@example.org", lines=lines, user=AnonymousUser()
        )
        result = checkout_complete(checkout_id=str(checkout.pk), user=AnonymousUser())
        assert result.order.status == "paid", result.order.status


def _run_published(profiler: cProfile.Profile | None) -> tuple[Counter[str], int, float]:
    """Runs the captured messages (and those they publish) in this process, as the worker
    would; returns (messages run by task name, SQL statements, CPU seconds)."""
    # Django's modules are imported once main() has set the environment up and called setup().
    from celery import current_app
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ran: Counter[str] = Counter()
    cpu = 0.0
    with CaptureQueriesContext(connection) as captured:
        while PUBLISHED:
            name, args, kwargs = PUBLISHED.pop(0)
            task = current_app.tasks[name]
            started = time.process_time()
            if profiler is not None:
                profiler.enable()
            task(*args, **kwargs)
            if profiler is not None:
                profiler.disable()
            cpu += time.process_time() - started
            ran[name] += 1
    return ran, len(captured.captured_queries), cpu


def _caught_up(timeout: float = 120) -> float | None:
    """Seconds until the worker has done everything (outbox delivered, search queue empty, its
    broker queue empty); None if not within `timeout`."""
    # Django's modules are imported once main() has set the environment up and called setup().
    from django.conf import settings

    from marketplace.core.models import OutboxMessage
    from search.models import IndexQueue

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if (
            not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
            and not IndexQueue.objects.exists()
            and broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0
        ):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _roles_cpu(worker: int) -> dict[str, float]:
    """CPU seconds so far of the worker's processes by role, and of the PostgreSQL backends of
    the benchmark's database but this process's own (`postgres`: the worker's connections)."""
    from django.conf import settings  # after setup, as above
    from django.db import connection  # after setup, as above

    roles = cpu_groups.worker_roles(worker)
    connection.ensure_connection()
    ours = connection.connection.info.backend_pid
    roles["postgres"] = [
        pid
        for pid in cpu_groups.database_backends(settings.DATABASE_URL, DATABASE.name)
        if pid != ours
    ]
    return {role: sum(cpu_groups.process_cpu(pid) for pid in pids) for role, pids in roles.items()}


def _worker_totals() -> dict[str, int]:
    """Messages the worker has run so far, by task name (asked before and after a window)."""
    from marketplace.celery import app  # after setup, as above

    totals: Counter[str] = Counter()
    for stats in (app.control.inspect(timeout=3).stats() or {}).values():
        totals.update(stats.get("total", {}))
    return dict(totals)


def _task_cpu(base: Path) -> dict[str, tuple[int, float]]:
    """Runs and CPU seconds of the children's task bodies so far, by task name
    (tests/benchmarks/worker_profile.py)."""
    totals: dict[str, tuple[int, float]] = {}
    for path in base.parent.glob(f"{base.name}-*.json"):
        for name, (runs, cpu) in json.loads(path.read_text()).items():
            before = totals.get(name, (0, 0.0))
            totals[name] = (before[0] + runs, before[1] + cpu)
    return totals


def _complete_concurrently(town: Any, shops: list[list[Any]], count: int, clients: int) -> None:
    """`count` orders by `clients` threads, each on its own connection (commits arrive as
    from that many customers: the more at once, the more one drain takes)."""
    from django.db import connection  # after setup, as above

    def client(share: int) -> None:
        try:
            _complete(town, shops, share)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=client, args=(count // clients + (i < count % clients),))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _with_worker(
    town: Any, shops: list[list[Any]], count: int, idle: float, profile: bool, clients: int
) -> None:
    """The same orders published to a real worker with beat (bench_checkout --http's): the CPU
    of its processes from /proc, by role, per order; an idle window first gives what the worker
    costs doing nothing, which the per-order figure then leaves out. `profile`: the children
    profile their tasks (the figures then include the profiler's overhead)."""
    log = ROOT / "var" / "bench-side-effects-worker.log"
    base = ROOT / "var" / f"worker-profile-{os.getpid()}"
    os.environ["BENCH_WORKER_PROFILE"] = str(base)
    if profile:
        os.environ["BENCH_WORKER_CPROFILE"] = "1"
    with cpu_groups.celery_worker(log) as worker:
        _complete(town, shops, 5)  # warm-up: the worker's children import, connect, render
        if _caught_up() is None:
            raise RuntimeError(f"the worker did not catch up; see {log}")
        time.sleep(1)
        before = _roles_cpu(worker)
        time.sleep(idle)
        idle_rate = {role: (cpu - before[role]) / idle for role, cpu in _roles_cpu(worker).items()}
        ran_before = _worker_totals()
        started = time.monotonic()
        before = _roles_cpu(worker)
        tasks_before = _task_cpu(base)
        _complete_concurrently(town, shops, count, clients)
        late = _caught_up()
        after = _roles_cpu(worker)
        tasks_after = _task_cpu(base)
        elapsed = time.monotonic() - started
        ran = Counter(_worker_totals())
        ran.subtract(ran_before)
    used = {role: after[role] - before[role] for role in after}
    # The worker's own processes; PostgreSQL apart (a backend that closed meanwhile is missed).
    celery = [role for role in used if role != "postgres"]
    print(
        f"a real worker with beat (2 prefork children): {count} orders by {clients} client(s) "
        f"in {elapsed:.1f} s, "
        f"caught up {'not within 120 s' if late is None else f'{late:.1f} s'} after the last; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)"
    )
    print(
        "  idle: "
        + ", ".join(f"{role} {rate * 1000:.1f} ms" for role, rate in idle_rate.items())
        + " CPU per second"
    )
    print(
        f"  per order: the worker {sum(used[r] for r in celery) / count * 1000:.1f} ms CPU ("
        + ", ".join(f"{role} {used[role] / count * 1000:.1f}" for role in celery)
        + f"; less the idle rate over the {elapsed:.1f} s: "
        + f"{sum(used[r] - idle_rate[r] * elapsed for r in celery) / count * 1000:.1f} ms), "
        + f"its PostgreSQL backends {used['postgres'] / count * 1000:.1f} ms"
    )
    print(
        f"  {sum(n for n in ran.values() if n > 0) / count:.2f} Celery messages per order: "
        + ", ".join(f"{n} {name.rsplit('.', 1)[-1]}" for name, n in ran.most_common() if n > 0)
    )
    bodies = {
        name: (
            runs - tasks_before.get(name, (0, 0.0))[0],
            cpu - tasks_before.get(name, (0, 0.0))[1],
        )
        for name, (runs, cpu) in tasks_after.items()
    }
    print(
        f"  the children's task bodies {sum(cpu for _r, cpu in bodies.values()) / count * 1000:.1f}"
        f" ms per order, Celery around them "
        f"{(used['children'] - sum(cpu for _r, cpu in bodies.values())) / count * 1000:.1f} ms; "
        "by task: "
        + ", ".join(
            f"{name.rsplit('.', 1)[-1]} {cpu / count * 1000:.1f} ms ({cpu / runs * 1000:.1f} a run)"
            for name, (runs, cpu) in sorted(bodies.items(), key=lambda item: -item[1][1])
            if runs
        )
    )
    if profile:
        out = io.StringIO()
        stats = pstats.Stats(*map(str, base.parent.glob(f"{base.name}-*.prof")), stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(60)
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--worker", action="store_true", help="publish to a real Celery worker with beat"
    )
    parser.add_argument("--idle", type=float, default=20, help="idle window (s), --worker")
    parser.add_argument("--clients", type=int, default=1, help="threads completing, --worker")
    args = parser.parse_args()
    DATABASE.drop()
    DATABASE.admin(f'CREATE DATABASE "{DATABASE.name}"')
    try:
        # Django is set up here, after the throwaway database is made and DATABASE_URL points
        # at it (settings read at import); its modules are imported after setup().
        import django

        django.setup()
        from django.core import mail
        from django.core.management import call_command

        from marketplace.core.models import OutboxMessage
        from search.models import IndexQueue

        call_command("migrate", verbosity=0)
        random.seed(7)
        town, shops = three_shops()
        if args.worker:
            _with_worker(town, shops, args.orders, args.idle, args.profile, args.clients)
            return
        _capture_publishing()
        _complete(town, shops, 5)  # warm-up: imports, templates, the town's index
        _run_published(None)
        mail.outbox = []
        outbox_before = OutboxMessage.objects.count()
        count = args.orders
        _complete(town, shops, count)
        published = len(PUBLISHED)
        outbox_rows = OutboxMessage.objects.count() - outbox_before
        profiler = cProfile.Profile() if args.profile else None
        ran, statements, cpu = _run_published(profiler)
        print(
            f"database {DATABASE.name}; dummy gateway; {count} paid 3-shop orders; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)"
        )
        print(
            f"per order: {outbox_rows / count:.2f} outbox rows, {published / count:.2f} Celery "
            f"messages published; the worker's tasks: {sum(ran.values()) / count:.2f} messages "
            f"run, {statements / count:.1f} SQL statements, {cpu / count * 1000:.1f} ms CPU"
        )
        print("  messages run: " + ", ".join(f"{n} {name}" for name, n in ran.most_common()))
        undelivered = OutboxMessage.objects.filter(delivered_at__isnull=True).count()
        print(
            f"  afterwards: {undelivered} outbox message(s) undelivered, "
            f"{IndexQueue.objects.count()} product(s) still to index, "
            f"{len(mail.outbox) / count:.2f} emails per order"
        )
        if profiler is not None:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(20)
            stats.sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
    finally:
        from django.db import connections  # (after setup, as above)

        connections.close_all()
        if os.environ.get("SEARCH_URL"):
            from search.backends.engine_index import get_client  # (after setup)

            get_client().indices.delete(
                index=f"{os.environ['SEARCH_INDEX_PREFIX']}-*",
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        DATABASE.drop()


if __name__ == "__main__":
    main()
