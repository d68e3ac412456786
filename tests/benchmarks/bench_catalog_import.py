"""Benchmark: import 10,000 CSV rows (variants) into one shop, on PostgreSQL.

Run: DATABASE_URL=postgres://... python tests/benchmarks/bench_catalog_import.py [rows]
It creates a throwaway database next to DATABASE_URL's (migrated from scratch), prints the
figures, and drops it. Celery tasks go to an in-memory broker (nothing is indexed).
Target: the first import of 10,000 rows in under 10 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.throwaway_db import database_drop, server_params  # noqa: E402


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the user needs CREATEDB).")
    import psycopg

    parsed = urlparse(url)
    bench_db = f"mp_bench_catalog_import_{os.getpid()}"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{bench_db}"')
    try:
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{bench_db}"))
        os.environ["REDIS_URL"] = ""
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
        os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
        os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        run(rows)
    finally:
        from django.db import connections

        connections.close_all()
        database_drop(server_params(url), bench_db)


def make_csv(rows: int, *, price: str = "9.90", stock_offset: int = 0) -> bytes:
    lines = ["product,description,category,sku,variant_name,price,stock"]
    for index in range(rows):
        product = index // 4
        lines.append(
            f"Produit {product},Description du produit {product},epicerie,"
            f"SKU-{index:06d},Variante {index % 4},{price},{(index % 50) + stock_offset}"
        )
    return ("\n".join(lines) + "\n").encode()


def run(rows: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from marketplace.catalog.models import Category
    from marketplace.towns.models import Town
    from vendors.csv_import import catalog_import
    from vendors.models import Product, StockMovement, Variant, Vendor, VendorStatus

    town = Town.objects.create(
        slug="bench", name="Bench", center_latitude=43.6, center_longitude=3.9
    )
    Category.objects.create(slug="epicerie", name="Épicerie")
    vendor = Vendor.objects.create(
        town=town, slug="bench", name="Bench", email="b@example.org", status=VendorStatus.APPROVED
    )
    content = make_csv(rows)
    figures = []
    for label, data, dry_run in (
        ("dry run (validate + plan, nothing written)", content, True),
        ("first import (all created)", content, False),
        ("same file again (all unchanged)", content, False),
        ("every price and stock changed", make_csv(rows, price="10.50", stock_offset=1), False),
    ):
        started = time.perf_counter()
        report = catalog_import(vendor_id=vendor.pk, content=data, dry_run=dry_run)
        elapsed = time.perf_counter() - started
        assert not report.errors, report.errors[:5]
        figures.append((label, elapsed, report))
    print(f"catalogImport benchmark: {rows} rows, PostgreSQL")
    for label, elapsed, report in figures:
        print(
            f"  {label:45s} {elapsed:6.2f} s  "
            f"({rows / elapsed:8.0f} rows/s; created={report.created} "
            f"updated={report.updated} unchanged={report.unchanged})"
        )
    print(
        f"  in the database: {Product.objects.count()} products, {Variant.objects.count()} "
        f"variants, {StockMovement.objects.count()} stock movements"
    )
    first = figures[1][1]
    print(f"  target: first import < 10 s → {'OK' if first < 10 else 'TOO SLOW'} ({first:.2f} s)")


if __name__ == "__main__":
    main()
