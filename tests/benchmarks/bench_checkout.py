"""Benchmark: 3-shop checkoutComplete through the GraphQL view on PostgreSQL.

    python tests/benchmarks/bench_checkout.py [--per-client 40] [--levels 1,8,32] [--processes 4]
                                              [--profile]

Uses a throwaway database (<DATABASE_URL's name>_bench_checkout, created, migrated, dropped) and
the dummy payment gateway. Each client is a thread with its own DB connection posting
`checkoutComplete` to /graphql/ through Django's test client; checkouts (3 shops, 1 line each,
variants drawn at random among 30 per shop) are prepared beforehand. Prints p50/p95 latency,
completes per second, queries per complete, the CPU each complete costs (this process and its
workers, then the rest of the machine: PostgreSQL, Redis) and, with --profile, where the time goes.
`--processes N` spreads the clients over N forked processes, as gunicorn workers would be.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ["PAYMENT_GATEWAY"] = "dummy"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("checkout")
BENCH_DB = DATABASE.name
_admin = DATABASE.admin


def _setup_db() -> None:
    _admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{BENCH_DB}"')


def _drop_db() -> None:
    from django.db import connections

    connections.close_all()
    _admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


COMPLETE = """mutation($id: ID!) { checkoutComplete(id: $id) {
  order { id number status total { amount } shopOrders { id status subtotal { amount }
          deliveryFee { amount } commission { amount } payout { amount } } }
  payment { gateway status } errors { field code message } } }"""


def _seed(variants_per_shop: int = 30) -> tuple[object, list[list[object]]]:
    from decimal import Decimal

    from marketplace.catalog.models import Category
    from marketplace.towns.models import Town
    from vendors.models import FulfilmentMethod, Product, Stock, Variant, Vendor, VendorStatus

    town = Town.objects.create(
        slug="bench", name="Bench", center_latitude=43.6, center_longitude=3.87
    )
    category = Category.objects.create(slug="food", name="Food", vat_rate=Decimal("5.50"))
    shops = []
    for s in range(3):
        vendor = Vendor.objects.create(
            town=town,
            slug=f"shop-{s}",
            name=f"Shop {s}",
            email=f"s{s}@example.org",
            status=VendorStatus.APPROVED,
        )
        FulfilmentMethod.objects.create(vendor=vendor, method="pickup", fee=Decimal("0"))
        FulfilmentMethod.objects.create(vendor=vendor, method="local_delivery", fee=Decimal("3.9"))
        variants = []
        for p in range(variants_per_shop):
            product = Product.objects.create(
                vendor=vendor, slug=f"p-{p}", name=f"Produit {p}", category=category
            )
            variant = Variant.objects.create(
                product=product, vendor=vendor, sku=f"S{s}-{p}", price=Decimal("4.35") + p
            )
            Stock.objects.create(variant=variant, quantity=1_000_000)
            variants.append(variant)
        shops.append(variants)
    return town, shops


def _prepare(town: object, shops: list[list[object]], count: int) -> list[str]:
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
            user=None,  # type: ignore[attr-defined]
        )
        ids.append(to_global_id("Checkout", str(checkout.pk)))
    return ids


MODE = {"service": False}


def _complete_once(client: Any, checkout_id: str) -> bool:
    """One checkoutComplete; True when it made a paid order."""
    if MODE["service"]:
        from graphql_relay import from_global_id

        from marketplace.checkout.complete import checkout_complete

        result = checkout_complete(checkout_id=from_global_id(checkout_id)[1], user=None)
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


def _run(ids: list[str], clients: int) -> tuple[list[float], float, int]:
    from django.db import connection
    from django.test import Client

    chunks = [ids[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    barrier = threading.Barrier(clients + 1)

    def work(index: int) -> None:
        client = Client()
        try:
            barrier.wait()
            for checkout_id in chunks[index]:
                started = time.perf_counter()
                ok = _complete_once(client, checkout_id)
                latencies[index].append(time.perf_counter() - started)
                if not ok:
                    failures[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return [x for chunk in latencies for x in chunk], elapsed, sum(failures)


def _run_processes(ids: list[str], clients: int, processes: int) -> tuple[list[float], float, int]:
    """The same, spread over forked worker processes (like gunicorn workers): no shared GIL."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes + 1)
    results = context.Queue()
    per_process = max(1, clients // processes)

    def child(part: list[str]) -> None:
        start.wait()
        latencies, _elapsed, failed = _run(part, per_process)
        results.put((latencies, failed))

    workers = [context.Process(target=child, args=(ids[i::processes],)) for i in range(processes)]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    collected = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    return (
        [x for latencies, _f in collected for x in latencies],
        elapsed,
        sum(f for _l, f in collected),
    )


def _cpu_seconds() -> tuple[float, float]:
    """(CPU used by this benchmark and its reaped children, CPU busy on the whole machine)."""
    import resource

    ours = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return ours, (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _count_queries(town: object, shops: list[list[object]]) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    (checkout_id,) = _prepare(town, shops, 1)
    with CaptureQueriesContext(connection) as captured:
        Client().post(
            "/graphql/",
            json.dumps({"query": COMPLETE, "variables": {"id": checkout_id}}),
            content_type="application/json",
        )
    return len(captured.captured_queries)


def _profile(town: object, shops: list[list[object]], count: int) -> str:
    from django.db import connection

    ids = _prepare(town, shops, count)
    db_time = [0.0]

    def timer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - started

    profiler = cProfile.Profile()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        cpu_started = time.process_time()
        profiler.enable()
        _run_single(ids)
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
        f"profile of {count} sequential completes: {total / count * 1000:.1f} ms each, "
        f"of which SQL round-trips {db_time[0] / count * 1000:.1f} ms "
        f"({db_time[0] / total:.0%}); CPU of this process {cpu / count * 1000:.1f} ms "
        f"(profiler overhead included)\n"
    )
    return head + out.getvalue()


def _run_single(ids: list[str]) -> None:
    from django.test import Client

    client = Client()
    for checkout_id in ids:
        client.post(
            "/graphql/",
            json.dumps({"query": COMPLETE, "variables": {"id": checkout_id}}),
            content_type="application/json",
        )


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
    args = parser.parse_args()
    MODE["service"] = args.service

    _setup_db()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        random.seed(7)
        town, shops = _seed(args.variants)
        print(
            f"database {BENCH_DB}; dummy gateway; 3 shops x {args.variants} variants; "
            f"3 lines per checkout; via {'the service' if args.service else 'GraphQL'}; "
            f"{args.processes} process(es); load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs"
        )
        print(
            f"queries per checkoutComplete (GraphQL, full payload): {_count_queries(town, shops)}"
        )
        _run(_prepare(town, shops, 20), 4)  # warm-up
        print(
            f"{'clients':>8} {'completes':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'per s':>8} {'failed':>7}"
        )
        for clients in [int(x) for x in args.levels.split(",")]:
            total = min(args.max_total, clients * args.per_client)
            ids = _prepare(town, shops, total)
            processes = min(args.processes, clients)
            ours_before, busy_before = _cpu_seconds()
            if processes > 1:
                latencies, elapsed, failed = _run_processes(ids, clients, processes)
            else:
                latencies, elapsed, failed = _run(ids, clients)
            ours_after, busy_after = _cpu_seconds()
            ours = (ours_after - ours_before) / len(latencies) * 1000
            others = (busy_after - busy_before) / len(latencies) * 1000 - ours
            print(
                f"{clients:>8} {len(latencies):>10} {_percentile(latencies, 0.5) * 1000:>8.1f} "
                f"{_percentile(latencies, 0.95) * 1000:>8.1f} "
                f"{_percentile(latencies, 0.99) * 1000:>8.1f} "
                f"{len(latencies) / elapsed:>8.1f} {failed:>7}"
            )
            print(
                f"         mean {statistics.mean(latencies) * 1000:.1f} ms; CPU per complete: "
                f"Django {ours:.1f} ms, the rest of the machine (PostgreSQL, Redis...) "
                f"{others:.1f} ms"
            )
        if args.profile:
            print(_profile(town, shops, 100))
    finally:
        _drop_db()


if __name__ == "__main__":
    main()
