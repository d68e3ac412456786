"""Benchmark: Stripe webhooks, transfers and ledger sums on PostgreSQL + stripe-mock.

    python tests/benchmarks/bench_payments.py [--orders 200]

Uses a throwaway database (<DATABASE_URL's name>_bench_payments, created, migrated, dropped),
Celery eager, the Stripe gateway on STRIPE_API_BASE (stripe-mock, default
http://127.0.0.1:12111). Prepares N unpaid 3-shop orders with their payment, then measures:
1. `payment_intent.succeeded` webhooks posted signed to /payments/stripe/webhook/ (verify, store,
   process: order paid, ledger, fee fetched from stripe-mock), one at a time;
2. the same events again (duplicates: verify + refused insert);
3. transfers of every shop order (schedule + Transfer on stripe-mock + ledger);
4. ledger sums of the town's month (ledger_totals_by_kind, ledger_balances).
Prints counts, rates and p50/p95 latencies.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import hmac
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SECRET = "whsec_bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["PAYMENT_GATEWAY"] = "stripe"
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_123")
os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:12111")
os.environ["STRIPE_WEBHOOK_SECRET"] = SECRET
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("payments")
BENCH_DB = DATABASE.name
_admin = DATABASE.admin


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"


def _seed(count: int) -> list[object]:
    from marketplace.catalog.models import Category
    from marketplace.orders.models import Order, ShopOrder
    from marketplace.towns.models import Town
    from payments.models import ConnectedAccount, Payment
    from vendors.models import Vendor, VendorStatus

    town = Town.objects.create(
        slug="bench", name="Bench", center_latitude=43.6, center_longitude=3.87
    )
    Category.objects.create(slug="food", name="Food", vat_rate=Decimal("5.50"))
    vendors = []
    for s in range(3):
        vendor = Vendor.objects.create(
            town=town,
            slug=f"shop-{s}",
            name=f"Shop {s}",
            email=f"s{s}@example.org",
            status=VendorStatus.APPROVED,
        )
        ConnectedAccount.objects.create(
            vendor=vendor,
            gateway="stripe",
            account_id=f"acct_bench_{s}",
            charges_enabled=True,
            payouts_enabled=True,
        )
        vendors.append(vendor)
    payments = []
    for i in range(count):
        parts = [(Decimal("12.30") + i % 7, Decimal("3.90"), Decimal("0.62")) for _ in vendors]
        subtotal = sum((p[0] for p in parts), Decimal("0"))
        delivery = sum((p[1] for p in parts), Decimal("0"))
        order = Order.objects.create(
            number=f"B-{i:06d}",
            checkout_token=uuid.uuid4(),
            town=town,
            email="c@example.org",
            currency="EUR",
            subtotal=subtotal,
            delivery_total=delivery,
            total=subtotal + delivery,
        )
        for vendor, (goods, fee, commission) in zip(vendors, parts, strict=True):
            ShopOrder.objects.create(
                order=order,
                vendor=vendor,
                currency="EUR",
                subtotal=goods,
                delivery_method="local_delivery",
                delivery_fee=fee,
                commission=commission,
                payout=goods + fee - commission,
            )
        payments.append(
            Payment.objects.create(
                order=order,
                gateway="stripe",
                amount=order.total,
                currency="EUR",
                intent_id=f"pi_bench_{i}",
                client_secret="x",
            )
        )
    return payments


def _event(payment: object, i: int) -> bytes:
    minor = int(payment.amount * 100)  # type: ignore[attr-defined]
    return json.dumps(
        {
            "id": f"evt_bench_{i}",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": payment.intent_id,  # type: ignore[attr-defined]
                    "amount": minor,
                    "amount_received": minor,
                    "latest_charge": f"ch_bench_{i}",
                    "metadata": {"order_id": str(payment.order_id)},  # type: ignore[attr-defined]
                }
            },
        }
    ).encode()


def _signed(payload: bytes) -> str:
    t = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _post_all(client: object, payloads: list[bytes]) -> list[float]:
    latencies = []
    for payload in payloads:
        start = time.perf_counter()
        response = client.post(  # type: ignore[attr-defined]
            "/payments/stripe/webhook/",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=_signed(payload),
        )
        latencies.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="Where the transfers' time goes.")
    args = parser.parse_args()
    DATABASE.drop()
    _admin(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        call_command("migrate", verbosity=0)
        from marketplace.orders.models import Order, ShopOrder
        from payments.ledger import ledger_balances, ledger_totals_by_kind
        from payments.models import LedgerEntry, Transfer, WebhookEvent
        from payments.transfers import transfer_schedule

        payments = _seed(args.orders)
        payloads = [_event(p, i) for i, p in enumerate(payments)]
        client = Client()

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            _post_all(client, payloads[:1])
        print(f"queries for one succeeded webhook (3 shop orders, processed inline): {len(first)}")
        start = time.perf_counter()
        latencies = _post_all(client, payloads[1:])
        elapsed = time.perf_counter() - start
        paid = Order.objects.filter(status="paid").count()
        print(
            f"webhooks (succeeded, processed inline): {len(payloads) - 1} in {elapsed:.2f} s = "
            f"{(len(payloads) - 1) / elapsed:.0f}/s, {_percentiles(latencies)}; orders paid {paid}"
        )

        start = time.perf_counter()
        latencies = _post_all(client, payloads)
        elapsed = time.perf_counter() - start
        print(
            f"duplicate webhooks: {len(payloads)} in {elapsed:.2f} s = "
            f"{len(payloads) / elapsed:.0f}/s, {_percentiles(latencies)}; events stored "
            f"{WebhookEvent.objects.count()}"
        )

        shop_order_ids = list(ShopOrder.objects.order_by("pk").values_list("pk", flat=True))
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        latencies = []
        start = time.perf_counter()
        for shop_order_id in shop_order_ids:
            t0 = time.perf_counter()
            transfer_schedule(shop_order_id=shop_order_id)
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
        print(
            f"transfers (schedule + stripe-mock + ledger): {len(shop_order_ids)} in "
            f"{elapsed:.2f} s = {len(shop_order_ids) / elapsed:.0f}/s, {_percentiles(latencies)};"
            f" sent {Transfer.objects.filter(status='sent').count()}"
        )

        town_id = Order.objects.values_list("town_id", flat=True).first()
        now = time.localtime()
        latencies = []
        for _ in range(50):
            t0 = time.perf_counter()
            ledger_totals_by_kind(town_id=town_id, year=now.tm_year, month=now.tm_mon)
            ledger_balances(town_id=town_id, year=now.tm_year, month=now.tm_mon)
            latencies.append(time.perf_counter() - t0)
        print(
            f"ledger month sums over {LedgerEntry.objects.count()} entries: "
            f"{_percentiles(latencies)}"
        )
        connections.close_all()
    finally:
        DATABASE.drop()


if __name__ == "__main__":
    main()
