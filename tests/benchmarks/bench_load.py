"""Load test: 50 concurrent clients of mixed traffic against gunicorn, for 2 minutes (locust).

    python tests/benchmarks/bench_load.py [--users 50] [--duration 120] [--spawn-rate 10]

On a throwaway database (<DATABASE_URL's name>_bench_load: created, migrated, loaded with the demo
towns, dropped at the end), with PostgreSQL, Redis (REDIS_URL; a queue of its own), the search
engine (SEARCH_URL; indices of its own prefix, deleted at the end) and a running Celery worker
with beat (the outbox's relay). Customers browse, search, fill carts and complete checkouts
(dummy gateway); merchants accept, make ready, fulfil and refund their shop orders. Prints per
operation: requests, failures (5xx only), throughput, p50 and p95; then waits for the outbox to
drain and runs `manage.py ledger_check` when it exists. Exits non-zero on any 5xx or violation.
LOAD_DEBUG=1 shows locust's output and every GraphQL error answered.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ["PAYMENT_GATEWAY"] = "dummy"
os.environ.pop("STRIPE_SECRET_KEY", None)
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-load-not-a-secret-but-long-enough-for-hs256")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["CELERY_QUEUE"] = f"bench-load-{os.getpid()}"
os.environ["SEARCH_INDEX_PREFIX"] = f"benchload{os.getpid()}"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
# Every simulated client comes from 127.0.0.1: the per-client limits would refuse them all.
os.environ.setdefault("CHECKOUT_CREATE_RATE_LIMIT", "1000000/1m")
os.environ.setdefault("LOGIN_RATE_LIMIT", "1000000/1m")
os.environ.setdefault("LOGIN_ADDRESS_RATE_LIMIT", "1000000/1m")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
os.environ.setdefault(
    "EMAIL_FILE_PATH", str(Path(__file__).resolve().parents[2] / "var" / "bench_load" / "mail")
)

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402
from tests.servers import free_port, port_wait  # noqa: E402

DATABASE = ThrowawayDatabase("load")
PY = sys.executable
VAR = ROOT / "var" / "bench_load"


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _seed() -> dict[str, object]:
    import django

    django.setup()
    from graphql_relay import to_global_id

    from vendors.models import Stock, Variant, Vendor

    Stock.objects.update(quantity=1_000_000)
    vendor = Vendor.objects.filter(status="approved").order_by("pk").first()
    assert vendor is not None
    town = vendor.town
    variants = []
    merchants = []
    for shop in Vendor.objects.filter(town=town, status="approved").order_by("pk"):
        ids = list(Variant.objects.filter(product__vendor=shop).values_list("pk", flat=True)[:20])
        if ids:
            variants.append([to_global_id("Variant", pk) for pk in ids])
        if shop.email:
            merchants.append({"email": shop.email, "id": to_global_id("Vendor", shop.pk)})
    return {"town": town.slug, "variants": variants, "merchants": merchants}


def _undelivered() -> int:
    from marketplace.core.models import OutboxMessage

    return OutboxMessage.objects.filter(delivered_at__isnull=True).count()


def _show_undelivered() -> None:
    # Django's modules are imported once the script has set the environment up.
    from django.db.models import Count, Max

    from marketplace.core.models import OutboxMessage

    rows = (
        OutboxMessage.objects.filter(delivered_at__isnull=True)
        .values("task_name")
        .annotate(n=Count("pk"), attempts=Max("attempts"), error=Max("last_error"))
    )
    for row in rows:
        print(
            f"  {row['task_name']}: {row['n']} (attempts ≤ {row['attempts']}) {row['error'][:200]}"
        )


def _report(stats_csv: Path, duration: float) -> int:
    failures = 0
    print(f"{'operation':28} {'requests':>9} {'5xx':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
            failures += int(row["Failure Count"]) if name != "ALL" else 0
            print(
                f"{name:28} {row['Request Count']:>9} {row['Failure Count']:>5} "
                f"{float(row['Requests/s']):7.1f} {row['50%']:>7} {row['95%']:>7}"
            )
    return failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=10)
    options = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    DATABASE.drop()
    DATABASE.admin(f'CREATE DATABASE "{DATABASE.name}"')
    processes: list[subprocess.Popen[bytes]] = []
    code = 1
    try:
        for step in (
            ("migrate", "--noinput", "-v", "0"),
            ("load_towns", "marketplace/demo/towns.json"),
            ("setup_demo",),
        ):
            result = _manage(*step)
            assert result.returncode == 0, result.stderr[-2000:]
        data = _seed()
        if os.environ.get("SEARCH_URL"):
            result = _manage("search_rebuild", str(data["town"]))
            print("search index:", "built" if result.returncode == 0 else result.stderr[-300:])
        data_file = VAR / "data.json"
        data_file.write_text(json.dumps(data))
        port = free_port()
        env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "LOAD_DATA": str(data_file)}
        logs = (VAR / "servers.log").open("wb")
        processes.append(
            subprocess.Popen(
                [PY, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                cwd=ROOT,
                env=env,
                stdout=logs,
                stderr=logs,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    PY,
                    "-m",
                    "celery",
                    "-A",
                    "marketplace",
                    "worker",
                    "-B",
                    "-Q",
                    os.environ["CELERY_QUEUE"],
                    "--concurrency=2",
                    "--loglevel=WARNING",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "-s",
                    str(VAR / "beat-schedule"),
                ],
                cwd=ROOT,
                env=env,
                stdout=logs,
                stderr=logs,
            )
        )
        port_wait(port)
        _warm_up(port, data_file)
        load_before = os.getloadavg()
        started = time.monotonic()
        subprocess.run(
            [
                PY,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "-u",
                str(options.users),
                "-r",
                str(options.spawn_rate),
                "-t",
                f"{options.duration}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(VAR / "load"),
                "--only-summary",
                "--loglevel",
                "ERROR",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=None if os.environ.get("LOAD_DEBUG") else subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()
        print(
            f"\n{options.users} clients, {elapsed:.0f} s; machine load before "
            f"{load_before[0]:.2f}, after {load_after[0]:.2f} (1-min avg, {os.cpu_count()} cores)"
        )
        failures = _report(VAR / "load_stats.csv", elapsed)
        deadline = time.monotonic() + 180
        while _undelivered() and time.monotonic() < deadline:
            time.sleep(2)
        left = _undelivered()
        print(f"outbox: {left} message(s) undelivered after the run")
        if left:
            _show_undelivered()
        check = _manage("ledger_check")
        if "Unknown command" in check.stderr:
            print("ledger_check: not available in this tree")
            ledger_ok = True
        else:
            print("ledger_check:", (check.stdout + check.stderr).strip()[-1500:] or "clean")
            ledger_ok = check.returncode == 0
        code = 0 if failures == 0 and left == 0 and ledger_ok else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        from django.db import connections

        connections.close_all()
        _cleanup_indices()
        DATABASE.drop()
    sys.exit(code)


def _warm_up(port: int, data_file: Path) -> None:
    """Each gunicorn worker builds the schema on its first request: done before measuring."""
    import requests

    body = {"query": "{ towns { slug } }"}
    for _ in range(12):
        requests.post(f"http://127.0.0.1:{port}/graphql/", json=body, timeout=120)
    subprocess.run(
        [
            PY,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "-u",
            "10",
            "-r",
            "10",
            "-t",
            "15s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_DATA": str(data_file)},
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _cleanup_indices() -> None:
    url = os.environ.get("SEARCH_URL")
    if not url:
        return
    import requests

    prefix = os.environ["SEARCH_INDEX_PREFIX"]
    try:
        requests.delete(f"{url}/{prefix}*", timeout=30)
    except requests.RequestException:
        print("could not delete the bench's search indices")


if __name__ == "__main__":
    main()
