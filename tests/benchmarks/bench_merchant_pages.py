"""The merchant's two hot pages, server time: the orders inbox and the product list, for a shop
with 2,000 products and 500 orders this month (figures, not assertions).

    python tests/benchmarks/bench_merchant_pages.py [--requests 200]

On a throwaway PostgreSQL database (<DATABASE_URL's name>_bench_merchant: created, migrated,
filled, dropped at the end). Each page is requested N times in this process through Django's test
client (the whole request: middleware, session, the view, the template) with DEBUG off; prints p50,
p95 and max in ms, the queries per request and the machine load (/proc/loadavg) before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-merchant-not-a-secret-but-long-enough-for-hs256")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ["DJANGO_DEBUG"] = "0"
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
os.environ["REDIS_URL"] = ""
os.environ["SEARCH_BACKEND"] = "database"

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("merchant")
PRODUCTS = 2_000
ORDERS = 500
# How this month's 500 shop orders are spread over the inbox's states.
STATES = {
    "paid": 40,
    "accepted": 30,
    "ready": 20,
    "fulfilled": 380,
    "cancelled": 20,
    "refunded": 10,
}


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _fill() -> tuple[str, str, str]:
    from django.utils import timezone

    from marketplace.accounts.models import User
    from marketplace.catalog.models import Category
    from marketplace.orders.models import Order, OrderLine, ShopOrder
    from marketplace.towns.models import Town
    from vendors.models import Product, Stock, Variant, Vendor, VendorMember, VendorRole

    town = Town.objects.create(slug="sete", name="Sète", center_latitude=43.4, center_longitude=3.7)
    category = Category.objects.create(slug="epicerie", name="Épicerie")
    vendor = Vendor.objects.create(
        town=town, slug="la-criee", name="La Criée", email="c@example.org", status="approved"
    )
    user = User.objects.create_user(email="owner@example.org", password="bench-password-123")
    VendorMember.objects.create(vendor=vendor, user=user, role=VendorRole.OWNER)
    products = Product.objects.bulk_create(
        Product(vendor=vendor, slug=f"produit-{i}", name=f"Produit {i:04d}", category=category)
        for i in range(PRODUCTS)
    )
    variants = Variant.objects.bulk_create(
        Variant(
            product=p,
            vendor=vendor,
            sku=f"SKU-{i:05d}",
            price=Decimal("4.50"),
            low_stock_threshold=5,
        )
        for i, p in enumerate(products)
    )
    Stock.objects.bulk_create(Stock(variant=v, quantity=i % 40) for i, v in enumerate(variants))
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            number=f"MP-{i:06d}",
            checkout_token=uuid.uuid4(),
            town=town,
            email=f"client{i}@example.org",
            status="paid",
            currency="EUR",
            subtotal=Decimal("18.00"),
            delivery_total=Decimal("0.00"),
            total=Decimal("18.00"),
            paid_at=now,
        )
        for i in range(ORDERS)
    )
    statuses = [status for status, count in STATES.items() for _ in range(count)]
    shop_orders = ShopOrder.objects.bulk_create(
        ShopOrder(
            order=order,
            vendor=vendor,
            status=status,
            currency="EUR",
            subtotal=Decimal("18.00"),
            delivery_method="pickup",
            commission=Decimal("0.90"),
            payout=Decimal("17.10"),
        )
        for order, status in zip(orders, statuses, strict=True)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            shop_order=so,
            variant=variants[(i * 7 + k) % PRODUCTS],
            product_name=f"Produit {(i * 7 + k) % PRODUCTS:04d}",
            sku=f"SKU-{(i * 7 + k) % PRODUCTS:05d}",
            category_slug="epicerie",
            quantity=2,
            unit_price=Decimal("4.50"),
            total=Decimal("9.00"),
            vat_rate=Decimal("5.50"),
            vat_amount=Decimal("0.47"),
        )
        for i, so in enumerate(shop_orders)
        for k in range(2)
    )
    return town.slug, vendor.slug, user.email


def _measure(client: object, name: str, path: str, requests: int, headers: dict[str, str]) -> None:
    from django.db import connection

    def get() -> object:
        return client.get(path, headers=headers)  # type: ignore[attr-defined]

    for _ in range(5):  # warm up (templates, translations, connection)
        get()
    queries: list[float] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - started)

    with connection.execute_wrapper(count):
        response = get()
    assert response.status_code == 200, (path, response.status_code)  # type: ignore[attr-defined]
    timings: list[float] = []
    for _ in range(requests):
        started = time.perf_counter()
        get()
        timings.append(time.perf_counter() - started)
    print(
        f"{name:<34} p50 {statistics.median(timings) * 1000:7.1f} ms  "
        f"p95 {_percentile(timings, 0.95) * 1000:7.1f} ms  max {max(timings) * 1000:7.1f} ms  "
        f"{len(queries)} queries ({sum(queries) * 1000:.1f} ms)  {len(response.content) // 1024} KiB"  # type: ignore[attr-defined]
    )
    if os.environ.get("BENCH_PROFILE") == name.split(" (")[0]:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [get() for _ in range(20)])
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    DATABASE.drop()
    DATABASE.admin(f'CREATE DATABASE "{DATABASE.name}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        town, shop, email = _fill()
        print(
            f"filled {PRODUCTS} products, {ORDERS} shop orders this month in "
            f"{time.perf_counter() - started:.1f} s; load {_load()}"
        )
        client = Client()
        assert client.login(email=email, password="bench-password-123")
        base = f"/commercant/{town}/{shop}"
        htmx = {"HX-Request": "true"}
        for name, path, headers in (
            ("baseline: shop chooser", "/commercant/?choisir=1", {}),
            ("orders inbox (new: 40)", f"{base}/commandes/", {}),
            ("orders inbox htmx poll (new)", f"{base}/commandes/?etat=new", htmx),
            ("orders handed over (380, page 1)", f"{base}/commandes/?etat=fulfilled", {}),
            ("product list (2,000, page 1)", f"{base}/produits/", {}),
            ("product list search 'produit 1'", f"{base}/produits/?q=produit+1", {}),
            ("product list low stock", f"{base}/produits/?stock=low", {}),
        ):
            _measure(client, name, path, args.requests, headers)
        print(f"load after {_load()}")
        connections.close_all()
    finally:
        DATABASE.drop()


if __name__ == "__main__":
    main()
