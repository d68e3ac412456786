"""Benchmark: what one paid 3-shop order sets off in the worker, and what it costs there.

    python tests/benchmarks/bench_side_effects.py [--orders 200] [--profile]

Uses a throwaway database (<DATABASE_URL's name>_bench_side_effects, created, migrated, dropped),
the dummy payment gateway, emails to the locmem backend and search indices of their own prefix
(the engine on SEARCH_URL, else the database backend). `--orders` checkouts (3 shops, 1 line
each) are completed through the service, with every Celery message they publish captured instead
of sent (nothing reaches a broker); then the captured messages are run in this process, as the
worker would run them, until none is left (a task may publish more). Prints, per order: outbox
rows written, Celery messages published, SQL statements the worker's tasks issue and their CPU
(the task bodies only: Celery's own cost per message is in bench_checkout.py --http), then checks
that every side effect happened (outbox delivered, search queue empty, emails sent).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    DATABASE.admin(f'DROP DATABASE IF EXISTS "{DATABASE.name}" WITH (FORCE)')
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
        _capture_publishing()
        random.seed(7)
        town, shops = three_shops()
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
        DATABASE.admin(f'DROP DATABASE IF EXISTS "{DATABASE.name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
