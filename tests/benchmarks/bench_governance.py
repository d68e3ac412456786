"""Benchmark: governance reads on PostgreSQL.

    python tests/benchmarks/bench_governance.py [--vendors 500] [--entries 100000]

Uses a throwaway database (<DATABASE_URL's name>_bench_governance, created, migrated, dropped).
Seeds one town with `--vendors` shops (10 variants each), ~3 commission rule versions per shop plus
category and town rules, and `--entries` ledger entries in one month. Prints:
- commission_quote: p50/p95 latency and queries per call (the checkout calls it per shop order);
- commissionRules(town) through GraphQL (all versions): latency, queries;
- transparencyReport through GraphQL and the CSV download: latency, queries;
- the catalogue CSV and JSON downloads: latency, rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["SEARCH_BACKEND"] = "database"

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("governance")
BENCH_DB = DATABASE.name
_admin = DATABASE.admin


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _seed(vendors: int, entries: int) -> object:
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from marketplace.catalog.models import Category
    from marketplace.governance.models import CommissionRule
    from marketplace.towns.models import Town
    from payments.models import LedgerEntry
    from vendors.models import Product, Stock, Variant, Vendor, VendorStatus

    town = Town.objects.create(
        slug="bench", name="Bench", center_latitude=43.6, center_longitude=3.87
    )
    roots = [Category.objects.create(slug=f"root-{i}", name=f"Root {i}") for i in range(5)]
    leaves = [
        Category.objects.create(slug=f"leaf-{i}", name=f"Leaf {i}", parent=roots[i % 5])
        for i in range(20)
    ]
    shops = Vendor.objects.bulk_create(
        [
            Vendor(
                town=town,
                slug=f"shop-{i}",
                name=f"Shop {i}",
                email=f"s{i}@example.org",
                status=VendorStatus.APPROVED,
                category=leaves[i % 20],
            )
            for i in range(vendors)
        ]
    )
    products = Product.objects.bulk_create(
        [
            Product(vendor=shop, slug=f"p-{p}", name=f"Produit {p}", category=shop.category)
            for shop in shops
            for p in range(5)
        ]
    )
    variants = Variant.objects.bulk_create(
        [
            Variant(
                product=product,
                vendor_id=product.vendor_id,
                sku=f"{product.vendor_id}-{product.slug}-{v}",
                price=Decimal("3.35") + v,
            )
            for product in products
            for v in range(2)
        ]
    )
    Stock.objects.bulk_create([Stock(variant=variant, quantity=50) for variant in variants])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rules = [CommissionRule(town=town, percentage=Decimal("5"), valid_from=start)]
    rules += [
        CommissionRule(town=town, category=leaf, percentage=Decimal("3"), valid_from=start)
        for leaf in leaves[::2]
    ]
    for index, shop in enumerate(shops):
        if index % 2:
            continue
        # Two ended versions and a current one, per shop with its own rule.
        for version in range(3):
            rules.append(
                CommissionRule(
                    town=town,
                    vendor=shop,
                    category=shop.category if index % 4 == 0 else None,
                    percentage=Decimal(version + 1),
                    fixed_amount=Decimal("0.10"),
                    valid_from=start + timedelta(days=30 * version),
                    valid_until=None
                    if version == 2
                    else start + timedelta(days=30 * (version + 1)),
                )
            )
    CommissionRule.objects.bulk_create(rules)
    kinds = ["charge", "shop_share", "commission", "stripe_fee", "transfer"]
    accounts = {
        "charge": ("platform_cash", "customer"),
        "shop_share": ("customer", "shop_payable"),
        "commission": ("customer", "commission"),
        "stripe_fee": ("stripe_fees", "platform_cash"),
        "transfer": ("shop_payable", "platform_cash"),
    }
    month = datetime(2026, 3, 1, 12, tzinfo=UTC)
    batch = []
    for n in range(entries):
        kind = kinds[n % 5]
        batch.append(
            LedgerEntry(
                key=f"bench:{n}",
                kind=kind,
                debit=accounts[kind][0],
                credit=accounts[kind][1],
                amount=Decimal(random.randint(1, 9000)) / 100,
                currency="EUR",
                town=town,
                vendor=shops[(n // 5) % len(shops)],
                occurred_at=month + timedelta(seconds=n * 20),
            )
        )
        if len(batch) == 5000:
            LedgerEntry.objects.bulk_create(batch)
            batch = []
    LedgerEntry.objects.bulk_create(batch)
    return town


def _timed(fn, repeat: int) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    latencies = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            fn()
            latencies.append(time.perf_counter() - started)
        queries = len(captured)
    return latencies, queries


def _line(name: str, latencies: list[float], queries: int, extra: str = "") -> None:
    print(
        f"{name:<34} p50 {_percentile(latencies, 0.5) * 1000:8.2f} ms  "
        f"p95 {_percentile(latencies, 0.95) * 1000:8.2f} ms  "
        f"mean {statistics.mean(latencies) * 1000:8.2f} ms  queries {queries:>3} {extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vendors", type=int, default=500)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()

    DATABASE.drop()
    _admin(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        import django

        django.setup()
        from datetime import UTC, datetime
        from decimal import Decimal

        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        from marketplace.governance.commission import commission_quote
        from marketplace.governance.models import CommissionRule
        from vendors.models import Vendor

        call_command("migrate", verbosity=0)
        random.seed(7)
        town = _seed(args.vendors, args.entries)
        rule_count = CommissionRule.objects.count()
        print(
            f"database {BENCH_DB}; {args.vendors} shops x 10 variants; {rule_count} rule versions; "
            f"{args.entries} ledger entries in 2026-03"
        )
        shops = list(Vendor.objects.filter(town=town))
        at = datetime(2026, 3, 15, tzinfo=UTC)
        latencies, queries = _timed(
            lambda: commission_quote(vendor=random.choice(shops), goods=Decimal("42.10"), at=at),
            500,
        )
        _line("commission_quote", latencies, queries)

        client = Client()

        def graphql(query: str) -> None:
            response = client.post(
                "/graphql/", json.dumps({"query": query}), content_type="application/json"
            )
            assert "errors" not in response.json(), response.json()

        rules_query = """{ commissionRules(town: "bench") { id scope percentage
          fixedAmount { amount currency } vendor { slug } category { slug } status
          previous { id } validFrom validUntil } }"""
        latencies, queries = _timed(lambda: graphql(rules_query), 20)
        _line("commissionRules (GraphQL)", latencies, queries, f"({rule_count} versions)")
        report_query = """{ transparencyReport(town: "bench", year: 2026, month: 3) {
          orders gross { amount } commission { amount } stripeFees { amount }
          transfers { amount } refunds { amount }
          byCategory { category gross { amount } commission { amount } } } }"""
        latencies, queries = _timed(lambda: graphql(report_query), 20)
        _line("transparencyReport (GraphQL)", latencies, queries)
        latencies, queries = _timed(
            lambda: client.get("/open-data/bench/transparency/2026-03.csv"), 20
        )
        _line("transparency CSV download", latencies, queries)
        response = client.get("/open-data/bench/catalogue.csv")
        rows = response.content.decode().count("\n") - 1
        latencies, queries = _timed(lambda: client.get("/open-data/bench/catalogue.csv"), 10)
        _line("catalogue CSV download", latencies, queries, f"({rows} rows)")
        latencies, queries = _timed(lambda: client.get("/open-data/bench/catalogue.json"), 10)
        _line("catalogue JSON download", latencies, queries)
        latencies, queries = _timed(lambda: client.get("/open-data/bench/commission-rules.csv"), 10)
        _line("commission-rules CSV download", latencies, queries)
        connections.close_all()
    finally:
        DATABASE.drop()


if __name__ == "__main__":
    main()
