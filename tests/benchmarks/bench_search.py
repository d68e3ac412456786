"""Benchmark: search on the real engine, with a synthetic town of 100,000 products.

    python tests/benchmarks/bench_search.py [--big 100000] [--towns 10] [--small 2000]
                                            [--queries 300] [--freshness 10] [--no-worker]

Uses a throwaway database (<DATABASE_URL's name>_bench_search: created, migrated, dropped) and
the index prefix `bench-products` (indices deleted at the end). Generates `--towns` towns: one of
`--big` products, the others of `--small`, with names and descriptions drawn from the French
vocabulary of marketplace/demo/towns.json. Prints:
  - bulk indexing rate: `search_rebuild_town` of the big town (database read + documents + bulk),
    and the engine alone (pre-built documents, bulk helper);
  - query latency p50/p95 of a mixed query set (words, typos, prefixes, filters, near, sorts),
    at the engine (client call; and the engine's own `took`) and through the GraphQL view;
  - freshness: time from the commit of a product rename to the new name being searchable, the
    on-commit task running in a real Celery worker on Redis (or called directly with --no-worker
    or when REDIS_URL is unset).
Targets on this machine: bulk >= 5,000 docs/s, engine p95 <= 25 ms, GraphQL p95 <= 60 ms,
freshness <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("SEARCH_URL", "http://127.0.0.1:9200")
os.environ["SEARCH_BACKEND"] = "engine"
os.environ["SEARCH_INDEX_PREFIX"] = "bench-products"
QUEUE = f"bench-search-{os.getpid()}"
os.environ["CELERY_QUEUE"] = QUEUE

from tests.benchmarks.throwaway_db import ThrowawayDatabase  # noqa: E402

DATABASE = ThrowawayDatabase("search")
BENCH_DB = DATABASE.name
_admin = DATABASE.admin

TOWNS_FILE = ROOT / "marketplace" / "demo" / "towns.json"
GRAPHQL = """query($town: String!, $query: String, $filter: SearchFilterInput,
  $near: SearchNearInput, $sortBy: SearchSortBy) {
  search(town: $town, query: $query, filter: $filter, near: $near, sortBy: $sortBy, first: 20) {
    totalCount
    facets { categories { value count } vendors { value count } }
    edges { node { distanceKm product { id name slug } } }
  } }"""


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   (n={len(ordered)})"


# --- Data ------------------------------------------------------------------------------------


def _vocabulary() -> tuple[list[dict[str, Any]], list[str]]:
    data = json.loads(TOWNS_FILE.read_text(encoding="utf-8"))
    products = [p for t in data["towns"] for v in t["vendors"] for p in v["products"]]
    words = sorted(
        {
            w.strip(".,:;!?()%").lower()
            for p in products
            for w in (p["name"] + " " + p.get("description", "")).split()
            if len(w) > 3
        }
    )
    return products, words


def seed(*, big: int, towns: int, small: int, rng: random.Random) -> list[tuple[str, int]]:
    """Creates the towns; returns [(slug, product count)]. Bulk inserts, one town at a time."""
    from django.db import transaction

    from marketplace.catalog.models import Category
    from marketplace.towns.models import Town
    from vendors.models import (
        FulfilmentMethod,
        Product,
        Stock,
        Variant,
        Vendor,
        VendorStatus,
    )

    data = json.loads(TOWNS_FILE.read_text(encoding="utf-8"))
    categories: dict[str, Category] = {}
    for record in data["categories"]:  # parents come first in the file
        categories[record["slug"]] = Category.objects.create(
            slug=record["slug"], name=record["name"], parent=categories.get(record["parent"] or "")
        )
    corpus, words = _vocabulary()
    methods = ["pickup", "local_delivery", "shipping"]
    made = []
    for index in range(towns):
        count = big if index == 0 else small
        slug = f"bench-{index}"
        lat0, lon0 = 43.0 + index, 3.0 + index * 0.3
        with transaction.atomic():
            town = Town.objects.create(
                slug=slug, name=f"Bench {index}", center_latitude=lat0, center_longitude=lon0
            )
            vendor_count = max(1, count // 500)
            vendors = Vendor.objects.bulk_create(
                Vendor(
                    town=town,
                    slug=f"boutique-{n}",
                    name=f"{rng.choice(words).capitalize()} {rng.choice(words)} {n}",
                    email=f"shop{n}@{slug}.example",
                    status=VendorStatus.APPROVED,
                    latitude=lat0 + rng.uniform(-0.05, 0.05),
                    longitude=lon0 + rng.uniform(-0.05, 0.05),
                )
                for n in range(vendor_count)
            )
            FulfilmentMethod.objects.bulk_create(
                FulfilmentMethod(vendor=v, method=m)
                for v in vendors
                for m in rng.sample(methods, rng.randint(1, 3))
            )
            for start in range(0, count, 5000):
                batch = []
                for n in range(start, min(count, start + 5000)):
                    base = rng.choice(corpus)
                    batch.append(
                        Product(
                            vendor=vendors[n % vendor_count],
                            slug=f"p-{n}",
                            name=f"{base['name']} {rng.choice(words)}",
                            description=f"{base.get('description', '')} {rng.choice(words)}",
                            category=categories[base["category"]],
                        )
                    )
                products = Product.objects.bulk_create(batch)
                variants = Variant.objects.bulk_create(
                    Variant(
                        product=p,
                        vendor_id=p.vendor_id,
                        sku=f"SKU-{p.slug}",
                        price=Decimal(rng.randint(100, 9000)) / 100,
                    )
                    for p in products
                )
                Stock.objects.bulk_create(
                    Stock(variant=v, quantity=rng.choice([0, 3, 10, 25])) for v in variants
                )
        made.append((slug, count))
        print(f"  seeded {slug}: {count} products, {vendor_count} shops", flush=True)
    return made


# --- Measures --------------------------------------------------------------------------------


def mixed_requests(town: str, rng: random.Random, n: int) -> list[dict[str, Any]]:
    from search.query import Near, SortBy

    words = [
        "chocolat", "biere", "huile d'olive", "fromge", "chocol", "pain au chocolat",
        "velo electrique", "confiture", "savon", "roqefort", "bouquet", "tablette", "miel",
        "baguette", "chaussures randonnee", "jeu", "lavande", "", "",
    ]  # fmt: skip
    _corpus, vocabulary = _vocabulary()
    requests = []
    for _ in range(n):
        # Half popular queries, half the long tail (a random word of the corpus, often new).
        text = rng.choice(words) if rng.random() < 0.5 else rng.choice(vocabulary)
        request: dict[str, Any] = {"town": town, "query": text}
        roll = rng.random()
        if roll < 0.2:
            request["categories"] = (rng.choice(["alimentation", "cave", "maison", "mode"]),)
        elif roll < 0.35:
            request["near"] = Near(latitude=43.0, longitude=3.0, radius_km=3.0)
            request["sort_by"] = SortBy.DISTANCE
        elif roll < 0.45:
            request["sort_by"] = SortBy.PRICE_ASC
            request["price_max"] = Decimal("30")
        elif roll < 0.55:
            request["in_stock"] = True
        requests.append(request)
    return requests


def _graphql_variables(request: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = {"town": request["town"], "query": request["query"]}
    search_filter: dict[str, Any] = {}
    if "categories" in request:
        search_filter["categories"] = list(request["categories"])
    if "price_max" in request:
        search_filter["priceMax"] = str(request["price_max"])
    if "in_stock" in request:
        search_filter["inStock"] = True
    if search_filter:
        variables["filter"] = search_filter
    if "near" in request:
        near = request["near"]
        variables["near"] = {
            "latitude": near.latitude,
            "longitude": near.longitude,
            "radiusKm": near.radius_km,
        }
    if "sort_by" in request:
        variables["sortBy"] = request["sort_by"].name
    return variables


def measure_queries(town: str, n: int, rng: random.Random) -> None:
    from django.test import Client

    from search.backends import engine_index, get_backend
    from search.backends.engine_query import build_body
    from search.query import SearchRequest

    backend = get_backend()
    requests = mixed_requests(town, rng, n)
    for request in requests[:20]:  # warm-up
        backend.search(SearchRequest(**request))
    client = engine_index.get_client()
    alias = engine_index.alias_name(town)
    wall: list[float] = []
    took: list[float] = []
    for request in requests:
        # The same work as the GraphQL query below: a page of 20 and two facets.
        search_request = SearchRequest(**request, facets=frozenset({"categories", "vendors"}))
        started = time.perf_counter()
        response = client.search(index=alias, body=build_body(search_request), request_cache=True)
        wall.append(time.perf_counter() - started)
        took.append(response["took"] / 1000)
    print(f"engine query (client wall)  {_percentiles(wall)}")
    print(f"engine query (engine took)  {_percentiles(took)}")
    http = Client()
    for request in requests[:20]:
        http.post(
            "/graphql/",
            json.dumps({"query": GRAPHQL, "variables": _graphql_variables(request)}),
            content_type="application/json",
        )
    graphql: list[float] = []
    for request in requests:
        body = json.dumps({"query": GRAPHQL, "variables": _graphql_variables(request)})
        started = time.perf_counter()
        response = http.post("/graphql/", body, content_type="application/json")
        graphql.append(time.perf_counter() - started)
        assert "errors" not in response.json(), response.json()
    print(f"GraphQL search (in process) {_percentiles(graphql)}")


def measure_indexing(big_town: str) -> None:
    from opensearchpy import helpers

    from marketplace.towns.models import Town
    from search.backends import engine_index
    from search.documents import iter_town_documents
    from search.indexing import search_rebuild_town

    started = time.perf_counter()
    _, count = search_rebuild_town(town_slug=big_town)
    elapsed = time.perf_counter() - started
    print(
        f"rebuild {big_town} (DB + documents + bulk + swap): {count} docs in {elapsed:.1f} s "
        f"= {count / elapsed:,.0f} docs/s"
    )
    town = Town.objects.get(slug=big_town)
    started = time.perf_counter()
    documents = list(iter_town_documents(town_id=town.pk))
    elapsed = time.perf_counter() - started
    print(
        f"documents read from the database alone:         {len(documents)} docs in "
        f"{elapsed:.1f} s = {len(documents) / elapsed:,.0f} docs/s"
    )
    client = engine_index.get_client(timeout=120)
    index = engine_index.create_version(client, f"{big_town}-raw", loading=True)
    actions = [{"_index": index, "_id": str(d["product_id"]), "_source": d} for d in documents]
    started = time.perf_counter()
    helpers.bulk(client, actions, chunk_size=2000, request_timeout=120)
    elapsed = time.perf_counter() - started
    print(
        f"engine bulk alone (pre-built documents):       {len(actions)} docs in {elapsed:.1f} s "
        f"= {len(actions) / elapsed:,.0f} docs/s"
    )
    client.indices.delete(index=index)


def _start_worker() -> subprocess.Popen[bytes] | None:
    if not os.environ.get("REDIS_URL"):
        return None
    from django.conf import settings

    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "marketplace",
            "worker",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "-n",
            f"{QUEUE}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "ab"),  # noqa: SIM115
    )
    from marketplace.celery import app

    for _ in range(60):
        if app.control.ping(destination=[f"{QUEUE}@{os.uname().nodename}"], timeout=0.5):
            return worker
        time.sleep(0.5)
    worker.terminate()
    raise RuntimeError("the Celery worker did not start")


def measure_freshness(town: str, n: int, use_worker: bool) -> None:
    # Django's modules are imported once the script has set the environment up.
    from django.conf import settings
    from django.db import transaction

    from search.backends import get_backend
    from search.query import SearchRequest
    from vendors.models import Product
    from vendors.products import product_update

    worker = _start_worker() if use_worker else None
    mode = "real Celery worker on Redis" if worker else "task run on commit, in process"
    if worker is None:
        settings.CELERY_TASK_ALWAYS_EAGER = True
    backend = get_backend()
    samples: list[float] = []
    missed = 0
    try:
        ids = list(Product.objects.filter(vendor__town__slug=town).values_list("pk", flat=True)[:n])
        for round_number, product_id in enumerate(ids):
            word = f"zorglub{round_number}x{os.getpid()}"
            started = time.perf_counter()
            with transaction.atomic():
                product_update(
                    product_id=product_id,
                    data={"name": f"Produit {word}"},
                    variant_ids=[],
                    remove_variant_ids=[],
                    user=None,
                )
            committed = started if worker is None else time.perf_counter()
            while backend.search(SearchRequest(town=town, query=word)).total != 1:
                if time.perf_counter() - committed > 10:
                    break
                time.sleep(0.02)
            else:
                samples.append(time.perf_counter() - committed)
                continue
            from search.models import IndexQueue

            row = IndexQueue.objects.filter(product_id=product_id).values().first()
            print(f"  product {product_id} not searchable after 10 s; queue row: {row}")
            missed += 1
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    figures = f"{_percentiles(samples)}; max {max(samples):.2f} s" if samples else "none"
    print(f"freshness commit -> searchable ({mode}): {figures}; {missed} not within 10 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--towns", type=int, default=10)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--freshness", type=int, default=10)
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    DATABASE.drop()
    _admin(f'CREATE DATABASE "{BENCH_DB}"')
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from search.backends import engine_index

    client = engine_index.get_client()
    try:
        call_command("migrate", verbosity=0)
        print(f"Seeding {args.towns} towns (one of {args.big} products) in {BENCH_DB} ...")
        started = time.perf_counter()
        towns = seed(big=args.big, towns=args.towns, small=args.small, rng=rng)
        print(f"  seeded in {time.perf_counter() - started:.0f} s")
        big_town = towns[0][0]
        measure_indexing(big_town)
        from search.indexing import search_rebuild_town

        started = time.perf_counter()
        total = 0
        for slug, _count in towns[1:]:
            total += search_rebuild_town(town_slug=slug)[1]
        elapsed = time.perf_counter() - started
        print(
            f"rebuild of the {len(towns) - 1} other towns: {total} docs in {elapsed:.1f} s "
            f"= {total / max(elapsed, 1e-9):,.0f} docs/s"
        )
        measure_queries(big_town, args.queries, rng)
        measure_freshness(big_town, args.freshness, not args.no_worker)
    finally:
        try:
            client.indices.delete(
                index="bench-products-*", ignore_unavailable=True, allow_no_indices=True
            )
        except Exception as error:  # engine down: say what to clean
            print(f"could not delete the bench-products-* indices: {error}")
        connections.close_all()
        DATABASE.drop()


if __name__ == "__main__":
    main()
