"""Benchmark: 3-shop checkoutComplete through the GraphQL view on PostgreSQL.

    python tests/benchmarks/bench_checkout.py [--per-client 40] [--levels 1,8,32] [--processes 4]
                                              [--profile]

Uses a throwaway database (<DATABASE_URL's name>_bench_checkout, created, migrated, dropped) and
the dummy payment gateway. A warm-up of 2,000 completes gives the town a history of orders, and
the database is analyzed before each level, as autovacuum keeps a live database (see `_analyze`
and `HISTORY`). Each client is a thread with its own DB connection (warmed by a few completes
before the level is measured: `WARM_PER_CLIENT`) posting
`checkoutComplete` to /graphql/ through Django's test client; checkouts (3 shops, 1 line each,
variants drawn at random among 30 per shop) are prepared beforehand. Prints p50/p95 latency,
completes per second, queries per complete, the CPU each complete costs (this process and its
workers, then the rest of the machine: PostgreSQL, Redis) and, with --profile, where the time goes.
`--processes N` spreads the clients over N forked processes, as gunicorn workers would be.
The profile posts through marketplace.wsgi.application (every middleware, as under gunicorn)
and measures CPU time (time.process_time), first without the profiler.

`--http` posts to gunicorn instead (deploy/gunicorn.conf.py, `--workers`, default 4) with a running
Celery worker and beat (a queue of their own on REDIS_URL; the search engine on SEARCH_URL with
indices of their own prefix), the side effects included; after each level it waits for the worker
to catch up (outbox delivered, queue empty) and says how long that took. It prints the CPU each
complete costs per process group: gunicorn, Celery, PostgreSQL (the whole server, from /proc: its
background processes and every backend, those that ended during the level included; and, apart,
by `application_name`, the backends of gunicorn's connections, the requests' own statements, and
those of the worker's, the side effects' statements), the engine (the whole engine process: shared with anyone using it), the
client. `--ceiling` first runs the SQL ceiling (../shared/bench/sql-ceiling/, pgbench on a
throwaway database) at the same levels and prints the application as a fraction of it, and its
PostgreSQL CPU per complete as a multiple of the bare SQL's (a figure that holds when the
machine's speed varies: a shared host's did by half within minutes).
Statements per complete are counted in-process (the same GraphQL request, on a warm process;
BENCH_SHOW_STATEMENTS=1 prints them). PostgreSQL CPU per complete is read from /proc: in-process,
each client reads its own backend's before closing its connection (the statements' cost alone);
over HTTP, the whole server's (a connection that ends during a level, as a worker's does past
CONN_MAX_AGE, still counts, through the postmaster that reaps it; so do the WAL writer, the
checkpointer and autovacuum, and any other database's use of the server on a shared machine).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import http.client
import io
import json
import os
import pstats
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ["PAYMENT_GATEWAY"] = "dummy"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"

HTTP = "--http" in sys.argv
if HTTP:  # a worker of our own on its own queue, indices of our own; set before Django reads them
    os.environ["CELERY_QUEUE"] = f"bench-checkout-{os.getpid()}"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["SEARCH_INDEX_PREFIX"] = f"bench-checkout-{os.getpid()}"
    # Emails are rendered and handed to a backend that keeps them in memory (no SMTP here).
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

from tests.benchmarks import cpu_groups  # noqa: E402
from tests.benchmarks.seed import three_shops  # noqa: E402
from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("checkout")
BENCH_DB = DATABASE.name
_admin = DATABASE.admin


def _setup_db() -> None:
    DATABASE.drop()
    _admin(f'CREATE DATABASE "{BENCH_DB}"')


def _drop_db() -> None:
    from django.db import connections

    connections.close_all()
    DATABASE.drop()


COMPLETE = """mutation($id: ID!) { checkoutComplete(id: $id) {
  order { id number status total { amount } shopOrders { id status subtotal { amount }
          deliveryFee { amount } commission { amount } payout { amount } } }
  payment { gateway status } errors { field code message } } }"""


def _prepare(town: object, shops: list[list[object]], count: int) -> list[str]:
    # Django's modules are imported once the script has set the environment up (main).
    from django.contrib.auth.models import AnonymousUser
    from graphql_relay import to_global_id

    from marketplace.checkout.lines import LineInput, checkout_create

    ids = []
    for i in range(count):
        lines = [
            LineInput(variant_id=random.choice(variants).pk, quantity=1 + i % 3)
            for variants in shops
        ]
        checkout = checkout_create(
            town_slug=town.slug,
            email=f"c{i}@example.org",
            lines=lines,
            user=AnonymousUser(),
        )
        ids.append(to_global_id("Checkout", str(checkout.pk)))
    return ids


MODE: dict[str, Any] = {"service": False, "http": None}


class _HttpClient:
    """A keep-alive HTTP connection to gunicorn, answering like Django's test client."""

    def __init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", MODE["http"], timeout=60)

    def post(self, path: str, body: str, content_type: str) -> Any:
        """The answer; a broken connection or a non-JSON answer (a 5xx page) is told as an
        error body, and the connection is opened again."""
        try:
            self.connection.request("POST", path, body=body, headers={"Content-Type": content_type})
            answer = self.connection.getresponse()
            data = json.loads(answer.read())
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.connection.close()
            data = {"errors": [{"message": f"HTTP: {error!r}"}]}
        return type("Answer", (), {"json": lambda _self: data})()


def _client() -> Any:
    from django.test import Client

    return _HttpClient() if MODE["http"] else Client()


def _complete_once(client: Any, checkout_id: str) -> bool:
    """One checkoutComplete; True when it made a paid order."""
    if MODE["service"]:
        # Django's modules are imported once the script has set the environment up (main).
        from django.contrib.auth.models import AnonymousUser
        from graphql_relay import from_global_id

        from marketplace.checkout.complete import checkout_complete

        result = checkout_complete(checkout_id=from_global_id(checkout_id)[1], user=AnonymousUser())
        return result.order.status == "paid"
    response = client.post(
        "/graphql/",
        json.dumps({"query": COMPLETE, "variables": {"id": checkout_id}}),
        content_type="application/json",
    )
    body = response.json()
    data = (body.get("data") or {}).get("checkoutComplete")
    if not data or data["errors"] or data["order"]["status"] != "PAID":
        print("  failure:", json.dumps(body)[:400], flush=True)
        return False
    return True


# In-process: the CPU each client's PostgreSQL backend used during the level, read from /proc by
# the client itself before it closes its connection (a closed backend is gone from /proc).
_BACKEND_CPU: list[float] = []
# The CPU seconds the forked client processes (`_run_processes`) used in a level's timed part.
_CLIENTS_CPU: list[float] = []


def _run(
    ids: list[str],
    clients: int,
    warm_ids: Sequence[str] = (),
    ready: Callable[[], None] | None = None,
) -> tuple[list[float], float, int]:
    """`clients` threads complete `ids`, each on its own connection; the result is (latencies,
    seconds, failures). Each thread first completes its share of `warm_ids` on that connection,
    untimed (a new backend fills its caches and prepares its statements: tens of ms once, not a
    cost of each complete, as gunicorn's workers keep their connections); `ready` is called when
    all are warm, before the timed part starts."""
    from django.db import connection

    chunks = [ids[i::clients] for i in range(clients)]
    warm_chunks = [list(warm_ids)[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    warmed = threading.Barrier(clients + 1)
    go = threading.Barrier(clients + 1)

    def work(index: int) -> None:
        client = _client()
        backend = None
        try:
            for checkout_id in warm_chunks[index]:
                _complete_once(client, checkout_id)
            if not MODE["http"]:
                connection.ensure_connection()
                backend = connection.connection.info.backend_pid
                backend_before = cpu_groups.process_cpu(backend)
            warmed.wait()
            go.wait()
            for checkout_id in chunks[index]:
                started = time.perf_counter()
                ok = _complete_once(client, checkout_id)
                latencies[index].append(time.perf_counter() - started)
                if not ok:
                    failures[index] += 1
            if backend is not None:
                _BACKEND_CPU.append(cpu_groups.process_cpu(backend) - backend_before)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    warmed.wait()
    if ready is not None:
        ready()
    go.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return [x for chunk in latencies for x in chunk], elapsed, sum(failures)


def _run_processes(
    ids: list[str],
    clients: int,
    processes: int,
    warm_ids: Sequence[str] = (),
    ready: Callable[[], None] | None = None,
) -> tuple[list[float], float, int]:
    """The same, spread over forked worker processes (like gunicorn workers): no shared GIL."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    warmed = context.Barrier(processes + 1)
    go = context.Barrier(processes + 1)
    results = context.Queue()
    per_process = max(1, clients // processes)

    def child(part: list[str], warm_part: list[str]) -> None:
        timed_from: list[float] = []

        def all_warm() -> None:
            warmed.wait()
            go.wait()
            timed_from.append(time.process_time())

        latencies, _elapsed, failed = _run(part, per_process, warm_part, all_warm)
        cpu = time.process_time() - timed_from[0]
        results.put((latencies, failed, sum(_BACKEND_CPU), cpu))

    warm = list(warm_ids)
    workers = [
        context.Process(target=child, args=(ids[i::processes], warm[i::processes]))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    warmed.wait()
    if ready is not None:
        ready()
    go.wait()
    started = time.perf_counter()
    collected = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    _BACKEND_CPU.extend(backend for _l, _f, backend, _c in collected)
    _CLIENTS_CPU.extend(cpu for _l, _f, _b, cpu in collected)
    for worker in workers:
        worker.join()
    return (
        [x for latencies, _f, _b, _c in collected for x in latencies],
        elapsed,
        sum(f for _l, f, _b, _c in collected),
    )


def _cpu_seconds() -> tuple[float, float]:
    """(CPU used by this process, CPU busy on the whole machine); the forked clients' part of a
    level is in `_CLIENTS_CPU` (their warm-up left out)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    ours = usage.ru_utime + usage.ru_stime
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return ours, (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# A town's first weeks of orders. With a few hundred, the order and payment tables are a few
# pages when analyzed: PostgreSQL rightly plans their foreign-key checks and lookups by key as
# sequential scans, and each connection keeps those plans while a level grows the tables several
# times over (autovacuum analyzes a minute later in a live database; a level is over by then).
# The figures measured those growing scans: 13 of the order table per complete at 200 orders.
HISTORY = 2000
# Over HTTP, the CPU group of the PostgreSQL backends serving gunicorn's connections.
WEB_BACKENDS = "postgres for the web"
# ... and of the backends serving the Celery worker's (the side effects' statements).
WORKER_BACKENDS = "postgres for the worker"
# Completes each client makes on its new connection before a level is measured. A new backend
# spends ~55 ms of CPU on its first dozen completes (catalogue caches, statements prepared after
# their fifth run): once per connection (gunicorn's workers keep theirs), not per complete, and it
# added ~0.2 ms to each of 300 completes per client.
WARM_PER_CLIENT = 12


def _analyze() -> None:
    """Tables vacuumed and fresh statistics for the planner, as autovacuum keeps a live database.

    The database is born with the run: without this, PostgreSQL plans the foreign-key checks on
    the order tables while they are (nearly) empty, as sequential scans, and each connection keeps
    those plans while the tables grow by thousands of rows within seconds, faster than autovacuum
    (a minute between visits) analyzes them. The run would measure that artifact, not a checkout.
    Vacuumed too: the checkouts completed before (the history, the level before) left dead rows
    that the level's first statements would otherwise clean up as they read them, while
    autovacuum, woken by the same rows, works beside them.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _count_queries(town: object, shops: list[list[object]]) -> str:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # The first complete of a process also reads what it then keeps (its warm-up); the second
    # is what every later one costs.
    for checkout_id in _prepare(town, shops, 2):
        with CaptureQueriesContext(connection) as captured:
            Client().post(
                "/graphql/",
                json.dumps({"query": COMPLETE, "variables": {"id": checkout_id}}),
                content_type="application/json",
            )
    if os.environ.get("BENCH_SHOW_STATEMENTS"):
        for query in captured.captured_queries:
            print("   ", query["sql"][:160])
    control = sum(
        query["sql"].split(" ", 1)[0] in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
        for query in captured.captured_queries
    )
    return f"{len(captured.captured_queries) - control} (and {control} BEGIN/COMMIT)"


def _profile(town: object, shops: list[list[object]], count: int) -> str:
    from django.db import connection

    ids = _prepare(town, shops, 2 * count)
    # The CPU of one request, without the profiler: the whole WSGI path (middleware included).
    cpu_started = time.process_time()
    _run_single(ids[count:])
    cpu_alone = (time.process_time() - cpu_started) / count * 1000
    db_time = [0.0]

    def timer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - started

    # CPU time, not wall-clock: on a shared machine waits and other processes do not count.
    profiler = cProfile.Profile(time.process_time)
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        cpu_started = time.process_time()
        profiler.enable()
        _run_single(ids[:count])
        profiler.disable()
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(
        r"(marketplace|payments|search|vendors|kombu|celery).*\.py", 45
    )
    head = (
        f"CPU of one complete through marketplace.wsgi.application, without the profiler: "
        f"{cpu_alone:.1f} ms ({count} sequential completes, time.process_time)\n"
        f"profile (CPU time) of {count} sequential completes: {total / count * 1000:.1f} ms each, "
        f"of which SQL round-trips {db_time[0] / count * 1000:.1f} ms "
        f"({db_time[0] / total:.0%}); CPU of this process {cpu / count * 1000:.1f} ms "
        f"(profiler overhead included)\n"
    )
    return head + out.getvalue()


def _wsgi_post(body: bytes) -> bytes:
    """POST /graphql/ through the WSGI application gunicorn serves (every middleware)."""
    # Django's modules are imported once the script has set the environment up (main).
    from marketplace.wsgi import application  # after the environment is set (main)

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/graphql/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    response = application(environ, lambda status, headers, exc_info=None: None)
    try:
        return b"".join(response)
    finally:
        response.close()  # request_finished: what gunicorn's worker does after each request


def _run_single(ids: list[str]) -> None:
    for checkout_id in ids:
        answer = json.loads(
            _wsgi_post(json.dumps({"query": COMPLETE, "variables": {"id": checkout_id}}).encode())
        )
        data = (answer.get("data") or {}).get("checkoutComplete")
        if not data or data["errors"] or data["order"]["status"] != "PAID":
            print("  failure:", json.dumps(answer)[:400], flush=True)


def _worker_catch_up(timeout: float = 120) -> float | None:
    """Seconds until the outbox is delivered and the worker's queue is empty (None: not within
    `timeout`): the worker keeps up when this stays short."""
    # Django's modules are imported once the script has set the environment up (main).
    import redis
    from django.conf import settings

    from marketplace.core.models import OutboxMessage

    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pending = OutboxMessage.objects.filter(delivered_at__isnull=True).count()
        if pending == 0 and queue.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def _worker_totals() -> tuple[dict[str, int], int]:
    """(Celery messages the bench's worker has run, by task name; outbox rows written so far)."""
    # Django and Celery are imported once the script has set the environment up (main).
    from marketplace.celery import app
    from marketplace.core.models import OutboxMessage

    totals: dict[str, int] = {}
    for stats in (app.control.inspect(timeout=3).stats() or {}).values():
        for name, count in stats.get("total", {}).items():
            totals[name] = totals.get(name, 0) + count
    return totals, OutboxMessage.objects.count()


def _worker_line(
    before: tuple[dict[str, int], int], after: tuple[dict[str, int], int], count: int
) -> str:
    ran = {name: n - before[0].get(name, 0) for name, n in after[0].items()}
    ran = {name: n for name, n in sorted(ran.items(), key=lambda item: -item[1]) if n}
    names = ", ".join(f"{n} {name.rsplit('.', 1)[-1]}" for name, n in ran.items())
    return (
        f"         worker: {(after[1] - before[1]) / count:.2f} outbox rows and "
        f"{sum(ran.values()) / count:.2f} Celery messages per complete ({names})"
    )


def _groups(stack: dict[str, Any] | None) -> Any:
    from django.conf import settings

    groups = {
        "client": lambda: [os.getpid()],
        "postgres": lambda: cpu_groups.database_backends(settings.DATABASE_URL, BENCH_DB),
    }
    if stack is not None:
        groups["postgres"] = lambda: cpu_groups.database_server(settings.DATABASE_URL)
        groups["gunicorn"] = lambda: cpu_groups.descendants(stack["web"])
        groups["celery"] = lambda: cpu_groups.descendants(stack["worker"])
        groups["engine"] = cpu_groups.engine_pids
        # Among the server's: the backends of gunicorn's connections (the statements the
        # checkoutComplete requests run) and of the worker's (the side effects'); the rest is the
        # server's own (WAL writer, checkpointer, autovacuum).
        groups[WEB_BACKENDS] = lambda: cpu_groups.database_backends_named(
            settings.DATABASE_URL, cpu_groups.WEB_CONNECTIONS
        )
        groups[WORKER_BACKENDS] = lambda: cpu_groups.database_backends_named(
            settings.DATABASE_URL, cpu_groups.WORKER_CONNECTIONS
        )
        # Each has a parent that reaps its children (gunicorn recycles its workers, PostgreSQL
        # ends connections): their whole CPU, children that ended during the level included.
        return cpu_groups.CpuGroups(groups, whole=frozenset({"postgres", "gunicorn", "celery"}))
    return cpu_groups.CpuGroups(groups)


def _level_start(groups: Any, stack: dict[str, Any] | None, before: dict[str, Any]) -> None:
    """Called once every client of a level is warm: what the level is measured from. Over
    HTTP, the groups are read every second meanwhile (a backend ends past CONN_MAX_AGE)."""
    if stack is not None:
        _worker_catch_up()  # the warm-up's side effects are not the level's
        before["worker"] = _worker_totals()
    before["cpu"] = _cpu_seconds()
    groups.start(sample_every=1.0 if stack is not None else None)


def _measure(
    args: Any, town: Any, shops: Any, stack: dict[str, Any] | None
) -> dict[int, tuple[float, float, float | None]]:
    """Runs every level; returns per level (completes/s, PostgreSQL CPU ms per complete, and
    over HTTP the web's backends' part of it)."""
    rates: dict[int, tuple[float, float, float | None]] = {}
    print(
        f"{'clients':>8} {'completes':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'per s':>8} {'failed':>7}"
    )
    for clients in [int(x) for x in args.levels.split(",")]:
        total = min(args.max_total, clients * args.per_client)
        prepared = _prepare(town, shops, WARM_PER_CLIENT * clients + total)
        warm_ids, ids = prepared[: WARM_PER_CLIENT * clients], prepared[WARM_PER_CLIENT * clients :]
        _analyze()
        processes = min(args.processes, clients)
        groups = _groups(stack)
        before: dict[str, Any] = {}
        measuring = functools.partial(_level_start, groups, stack, before)
        _BACKEND_CPU.clear()
        _CLIENTS_CPU.clear()
        if processes > 1:
            latencies, elapsed, failed = _run_processes(
                ids, clients, processes, warm_ids, measuring
            )
        else:
            latencies, elapsed, failed = _run(ids, clients, warm_ids, measuring)
        catch_up = _worker_catch_up() if stack is not None else 0.0
        used = groups.stop()
        ours_after, busy_after = _cpu_seconds()
        ours_before, busy_before = before["cpu"]
        worker_before = before.get("worker")
        count = len(latencies)
        rate = count / elapsed
        print(
            f"{clients:>8} {count:>10} {_percentile(latencies, 0.5) * 1000:>8.1f} "
            f"{_percentile(latencies, 0.95) * 1000:>8.1f} "
            f"{_percentile(latencies, 0.99) * 1000:>8.1f} "
            f"{rate:>8.1f} {failed:>7}"
        )
        machine = (busy_after - busy_before) / count * 1000
        if stack is None:
            ours = (ours_after - ours_before + sum(_CLIENTS_CPU)) / count * 1000
            used["postgres"] = sum(_BACKEND_CPU)  # the clients' backends, read before closing
            print(
                f"         mean {statistics.mean(latencies) * 1000:.1f} ms; CPU per complete: "
                f"Django {ours:.1f} ms, PostgreSQL {used['postgres'] / count * 1000:.1f} ms, "
                f"the rest of the machine {machine - ours - used['postgres'] / count * 1000:.1f} ms"
            )
        else:
            groups_ms = ", ".join(
                f"{name} {seconds / count * 1000:.1f} ms" for name, seconds in used.items()
            )
            late = "not within 120 s" if catch_up is None else f"{catch_up:.1f} s"
            print(
                f"         mean {statistics.mean(latencies) * 1000:.1f} ms; CPU per complete: "
                f"{groups_ms}; the whole machine {machine:.1f} ms (the team's work included); "
                f"the worker caught up {late} after the run"
            )
            if worker_before is not None:
                print(_worker_line(worker_before, _worker_totals(), count))
        rates[clients] = (
            rate,
            used["postgres"] / count * 1000,
            used[WEB_BACKENDS] / count * 1000 if WEB_BACKENDS in used else None,
        )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-client", type=int, default=40)
    parser.add_argument("--max-total", type=int, default=640)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--variants", type=int, default=30, help="variants per shop")
    parser.add_argument(
        "--service", action="store_true", help="call the service, not the GraphQL view"
    )
    parser.add_argument(
        "--processes", type=int, default=4, help="spread the clients over N forked processes"
    )
    parser.add_argument("--http", action="store_true", help="through gunicorn, with a worker")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (--http)")
    parser.add_argument("--ceiling", action="store_true", help="run the SQL ceiling first")
    args = parser.parse_args()
    MODE["service"] = args.service
    levels = [int(x) for x in args.levels.split(",")]

    ceiling: dict[int, cpu_groups.CeilingLevel] = {}
    if args.ceiling:
        print(f"SQL ceiling ({cpu_groups.CEILING}, pgbench, 10 s per level):")
        ceiling = cpu_groups.ceiling(os.environ["DATABASE_URL"], levels)
        for clients, level in ceiling.items():
            print(
                f"  {clients:>3} clients: {level.tps:,.0f} tx/s "
                f"({1000 / level.tps * clients:.2f} ms each); PostgreSQL CPU "
                f"{level.postgres_ms:.2f} ms per transaction (the whole server)"
            )
    _setup_db()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        random.seed(7)
        town, shops = three_shops(args.variants)
        via = (
            f"HTTP (gunicorn, {args.workers} workers, a Celery worker)"
            if args.http
            else ("the service" if args.service else "GraphQL in-process")
        )
        print(
            f"database {BENCH_DB}; dummy gateway; 3 shops x {args.variants} variants; "
            f"3 lines per checkout; {HISTORY} orders of history, the planner's statistics "
            f"analyzed before each level; via {via}; {args.processes} client process(es); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)"
        )
        print(
            f"statements per checkoutComplete (GraphQL, full payload, a warm process): "
            f"{_count_queries(town, shops)}"
        )
        if args.http:
            with cpu_groups.served(args.workers, ROOT / "var" / "bench-checkout.log") as stack:
                MODE["http"] = stack["port"]
                # Warm-up (every worker connects) and the town's history of orders.
                _run(_prepare(town, shops, HISTORY), 4)
                rates = _measure(args, town, shops, stack)
        else:
            _run(_prepare(town, shops, HISTORY), 4)  # warm-up and the town's history
            rates = _measure(args, town, shops, None)
        for clients, (rate, postgres_ms, web_ms) in rates.items():
            if clients in ceiling:
                bare = ceiling[clients]
                print(
                    f"  {clients:>3} clients: the application runs at {rate / bare.tps:.1%} "
                    f"of the SQL ceiling ({rate:.1f} / {bare.tps:,.0f} per s); its PostgreSQL CPU "
                    f"per complete is {postgres_ms / bare.postgres_ms:.1f} times the bare SQL's "
                    f"({postgres_ms:.2f} / {bare.postgres_ms:.2f} ms)"
                    + (
                        ""
                        if web_ms is None
                        else f"; the web's backends' alone (the requests' statements) "
                        f"{web_ms / bare.postgres_ms:.1f} times ({web_ms:.2f} ms)"
                    )
                )
        if args.profile:
            print(_profile(town, shops, 100))
    finally:
        if args.http:
            from search.backends.engine_index import get_client

            prefix = os.environ["SEARCH_INDEX_PREFIX"]
            if os.environ.get("SEARCH_URL"):
                get_client().indices.delete(
                    index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True
                )
        _drop_db()


if __name__ == "__main__":
    main()
