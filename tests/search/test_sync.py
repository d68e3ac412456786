"""The index follows the catalogue: dirty queue, on-commit task, sweeper, versions, rebuilds."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.core.drains import drain_finished
from marketplace.governance.approval import vendor_reinstate, vendor_suspend
from search import indexing
from search.backends import engine_index, get_backend
from search.indexing import (
    DRAIN,
    mark_products_dirty,
    search_index_dirty,
    search_index_drain,
    search_rebuild_town,
)
from search.models import IndexQueue
from search.query import SearchRequest
from search.tasks import index_dirty, sweep_dirty_products
from tests.factories import UserFactory
from tests.search.helpers import names, search
from vendors.models import Product, Variant, Vendor
from vendors.products import product_delete, product_publish, product_update
from vendors.stock_updates import stock_update

pytestmark = pytest.mark.engine

TOWN = "montpellier"


@pytest.fixture
def synced(settings: Any, engine: Any, towns: dict[str, Any]) -> Any:
    """Montpellier indexed; Celery tasks run at once (eagerly) when queued on commit."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    search_rebuild_town(town_slug=TOWN)
    return engine


@pytest.fixture
def queued_drains(settings: Any, monkeypatch: Any) -> Iterator[list[object]]:
    """Celery with a queue (not eager): the drains asked for are recorded (their countdown),
    not sent; no drain flagged before or after."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    drain_finished(DRAIN)
    requested: list[object] = []
    monkeypatch.setattr(
        index_dirty, "apply_async", lambda **options: requested.append(options["countdown"])
    )
    yield requested
    drain_finished(DRAIN)


def _refresh(engine: Any) -> None:
    engine.indices.refresh(index=engine_index.alias_name(TOWN))


def _product(slug: str) -> Product:
    return Product.objects.get(vendor__town__slug=TOWN, slug=slug)


def _rename(product_id: int, name: str) -> None:
    """The shop renames the product (nothing else changes)."""
    product_update(
        product_id=product_id, data={"name": name}, variant_ids=[], remove_variant_ids=[], user=None
    )


def test_a_renamed_product_is_found_by_its_new_name(
    synced: Any, gql: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a product of the index
    product = _product("orangettes")
    # When its shop renames it (the task runs on commit)
    with django_capture_on_commit_callbacks(execute=True):
        _rename(product.pk, "Écorces d'orange confites")
    _refresh(synced)
    # Then the new name is found, the old one is gone, and the product left the queue
    assert names(search(gql, TOWN, "ecorce orange")) == ["Écorces d'orange confites"]
    assert "Orangettes" not in names(search(gql, TOWN, "orangettes"))
    assert not IndexQueue.objects.filter(product_id=product.pk).exists()


def test_stock_changes_update_availability(
    synced: Any, gql: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a product in stock
    product = _product("munster")
    variant = Variant.objects.get(product=product)
    assert names(search(gql, TOWN, "munster", filter={"inStock": True})) == ["Munster"]
    # When its stock is counted at zero
    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=variant.pk, quantity=0, user=None)
    _refresh(synced)
    # Then it is no longer in stock, but still found
    assert search(gql, TOWN, "munster", filter={"inStock": True})["totalCount"] == 0
    assert names(search(gql, TOWN, "munster")) == ["Munster"]


def test_an_order_reindexes_its_product_only_when_it_sells_it_out(
    synced: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a product with 3 units, found in stock
    settings.PAYMENT_GATEWAY = "dummy"
    product = _product("munster")
    variant = Variant.objects.get(product=product)
    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=variant.pk, quantity=3, user=None)
    _refresh(synced)
    assert get_backend().search(SearchRequest(town=TOWN, query="munster", in_stock=True)).total == 1
    IndexQueue.objects.all().delete()  # what loading the towns marked (indexed by the rebuild)

    def order(quantity: int) -> list[int]:
        checkout = checkout_create(
            town_slug=TOWN,
            email="client@example.org",
            lines=[LineInput(variant.pk, quantity)],
            user=AnonymousUser(),
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            checkout_complete(checkout_id=checkout.pk, user=AnonymousUser())
        queued = list(IndexQueue.objects.values_list("product_id", flat=True))
        for callback in callbacks:
            callback()
        return queued

    # When an order leaves one unit: nothing is queued for search (it still is in stock)
    assert order(2) == []
    # When the next order takes the last one: the product is queued, then indexed out of stock
    assert order(1) == [product.pk]
    _refresh(synced)
    assert get_backend().search(SearchRequest(town=TOWN, query="munster", in_stock=True)).total == 0
    assert IndexQueue.objects.count() == 0


def test_units_held_in_carts_stay_in_stock_for_search(
    synced: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a product with 2 units, both held by a cart
    product = _product("munster")
    variant = Variant.objects.get(product=product)
    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=variant.pk, quantity=2, user=None)
    checkout_create(
        town_slug=TOWN,
        email="client@example.org",
        lines=[LineInput(variant.pk, 2)],
        user=AnonymousUser(),
    )
    # When the product is indexed meanwhile (its shop renames it)
    with django_capture_on_commit_callbacks(execute=True):
        _rename(product.pk, "Munster fermier")
    _refresh(synced)
    # Then search still has it in stock: the shop has not sold those units, and no event would
    # re-index it when the cart lets them go
    found = get_backend().search(SearchRequest(town=TOWN, query="munster", in_stock=True))
    assert found.total == 1


def test_a_suspended_shop_vanishes_and_comes_back_when_reinstated(
    synced: Any, gql: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given the shop "Pirouette" with 6 products found
    vendor = Vendor.objects.get(town__slug=TOWN, slug="pirouette")
    staff = UserFactory()
    assert search(gql, TOWN, "pirouette")["totalCount"] == 6
    # When the association suspends it
    with django_capture_on_commit_callbacks(execute=True):
        vendor_suspend(vendor_id=vendor.pk, reason="Contrôle", actor=staff)
    _refresh(synced)
    # Then none of its products is found any more
    assert search(gql, TOWN, "pirouette")["totalCount"] == 0
    assert search(gql, TOWN, "", filter={"vendors": ["pirouette"]})["totalCount"] == 0
    # When it is reinstated
    with django_capture_on_commit_callbacks(execute=True):
        vendor_reinstate(vendor_id=vendor.pk, actor=staff)
    _refresh(synced)
    # Then they are back
    assert search(gql, TOWN, "pirouette")["totalCount"] == 6


def test_a_deleted_product_leaves_the_index(
    synced: Any, gql: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a product found
    product = _product("cerf-volant")
    assert names(search(gql, TOWN, "cerf volant")) == ["Cerf-volant"]
    # When its shop deletes it
    with django_capture_on_commit_callbacks(execute=True):
        product_delete(product_id=product.pk)
    _refresh(synced)
    # Then it is gone from the index (not only hidden by the database)
    assert search(gql, TOWN, "cerf volant")["totalCount"] == 0
    assert not synced.exists(index=engine_index.alias_name(TOWN), id=str(product.pk))


def test_an_unpublished_product_leaves_the_index_and_comes_back_published(
    synced: Any, gql: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a product found
    product = _product("cerf-volant")
    assert names(search(gql, TOWN, "cerf volant")) == ["Cerf-volant"]
    # When its shop unpublishes it
    with django_capture_on_commit_callbacks(execute=True):
        product_publish(user=None, product_id=product.pk, published=False)
    _refresh(synced)
    # Then it is gone from the index; published again, it is back
    assert search(gql, TOWN, "cerf volant")["totalCount"] == 0
    assert not synced.exists(index=engine_index.alias_name(TOWN), id=str(product.pk))
    with django_capture_on_commit_callbacks(execute=True):
        product_publish(user=None, product_id=product.pk, published=True)
    _refresh(synced)
    assert names(search(gql, TOWN, "cerf volant")) == ["Cerf-volant"]


def test_the_sweeper_indexes_what_the_task_missed(synced: Any, gql: Any) -> None:
    # Given renames committed while no task ran (broker lost them): rows stay queued
    IndexQueue.objects.all().delete()  # what loading the towns queued is in the index already
    product = _product("espadrilles")
    _rename(product.pk, "Alpargatas")
    assert list(IndexQueue.objects.values_list("product_id", flat=True)) == [product.pk]
    # When the beat sweeper runs
    done = sweep_dirty_products()
    _refresh(synced)
    # Then it indexed that one product, and the queue is empty
    assert done == 1
    assert IndexQueue.objects.count() == 0
    assert names(search(gql, TOWN, "alpargatas")) == ["Alpargatas"]


def test_an_older_read_never_overwrites_a_newer_document(synced: Any) -> None:
    # Given a document written from a read at version 2000
    backend = get_backend()
    document = {
        "product_id": 999999,
        "slug": "x",
        "name": "Nouveau",
        "description": "",
        "town": TOWN,
        "vendor_id": 1,
        "vendor_slug": "x",
        "vendor_name": "X",
        "category_slugs": [],
        "category_names": [],
        "prices": [1.0],
        "price_min": 1.0,
        "price_max": 1.0,
        "in_stock": True,
        "location": None,
        "fulfilment": [],
    }
    backend.index(town_slug=TOWN, documents=[document], delete_ids=[], version=2000)
    # When a slower task writes what it read earlier (version 1000)
    failed = backend.index(
        town_slug=TOWN, documents=[{**document, "name": "Ancien"}], delete_ids=[], version=1000
    )
    # Then the newer document stays, and the stale write is not an error
    assert failed == set()
    stored = synced.get(index=engine_index.alias_name(TOWN), id="999999")
    assert stored["_source"]["name"] == "Nouveau"


def test_writes_during_a_rebuild_reach_the_version_being_built(synced: Any) -> None:
    # Given a new version being built (not yet behind the alias)
    building = engine_index.create_version(synced, TOWN)
    # When the on-commit task indexes a product
    product = _product("munster")
    from search.documents import build_documents

    get_backend().index(
        town_slug=TOWN,
        documents=list(build_documents([product.pk]).values()),
        delete_ids=[],
        version=10**18,
    )
    # Then both the live version and the one being built hold it
    live = engine_index.live_indices(synced, TOWN)
    assert synced.exists(index=live[0], id=str(product.pk))
    assert synced.exists(index=building, id=str(product.pk))


def test_queries_keep_answering_during_rebuilds(synced: Any) -> None:
    # Given a search of the town, asked again at every step of each rebuild below (while the
    # new version fills, and right after the alias moved): fixed points, whatever the speed
    backend = get_backend()
    request = SearchRequest(town=TOWN, query="pain", limit=5)
    expected = backend.search(request)
    outcomes: list[tuple[str, int]] = []

    def ask(_sent: int = 0) -> None:
        found = backend.search(request)
        outcomes.append((found.backend, found.total))

    # When the town is rebuilt three times
    indices = []
    for _ in range(3):
        indices.append(search_rebuild_town(town_slug=TOWN, on_progress=ask)[0])
        ask()
    # Then every query, during and after each rebuild, was answered by the engine in full
    during = len(outcomes) - 3
    assert expected.total > 0 and during >= 3
    assert outcomes == [("engine", expected.total)] * len(outcomes)
    assert engine_index.town_versions(synced, TOWN) == [indices[-1]]
    assert engine_index.live_indices(synced, TOWN) == [indices[-1]]


def test_the_rebuild_command_swaps_every_towns_alias(engine: Any, towns: Any) -> None:
    # When every town is rebuilt from the command line
    out = StringIO()
    call_command("search_rebuild", "--all", "--no-progress", stdout=out)
    # Then each alias points at exactly one version holding all its products
    assert out.getvalue().count("product(s) indexed into") == 4
    for slug in towns:
        live = engine_index.live_indices(engine, slug)
        assert live == engine_index.town_versions(engine, slug)
        assert engine.count(index=engine_index.alias_name(slug))["count"] == (
            Product.objects.filter(vendor__town__slug=slug).count()
        )


def test_a_product_marked_again_while_indexing_stays_queued(synced: Any, monkeypatch: Any) -> None:
    # Given a queued product, and a write marking it again while the task reads it
    import search.indexing as indexing

    product = _product("munster")
    IndexQueue.objects.exclude(product_id=product.pk).delete()
    indexing.mark_products_dirty(product_ids=[product.pk])
    real_build = indexing.build_documents

    def build_during_a_concurrent_write(ids: Any, **kwargs: Any) -> Any:
        documents = real_build(ids, **kwargs)
        indexing.mark_products_dirty(product_ids=[product.pk])  # the concurrent write
        return documents

    monkeypatch.setattr(indexing, "build_documents", build_during_a_concurrent_write)
    # When the task indexes it
    done = indexing.search_index_dirty(product_ids=[product.pk])
    # Then the newer mark is kept for the next run, which then empties the queue
    assert done == 1
    assert IndexQueue.objects.filter(product_id=product.pk).count() == 1
    monkeypatch.setattr(indexing, "build_documents", real_build)
    assert indexing.search_index_dirty(product_ids=[product.pk]) == 1
    assert IndexQueue.objects.count() == 0


def test_writes_while_a_drain_is_queued_are_indexed_by_it_in_one_bulk(
    synced: Any,
    settings: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
    queued_drains: list[object],
) -> None:
    # Given Celery with a queue (not eager): the drains asked for are recorded, not sent
    requested = queued_drains
    IndexQueue.objects.all().delete()  # what loading the towns queued is in the index already
    renamed, emptied = _product("espadrilles"), Variant.objects.get(product=_product("munster"))
    # When two writes commit before the worker reaches the drain
    with django_capture_on_commit_callbacks(execute=True):
        _rename(renamed.pk, "Alpargatas")
    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=emptied.pk, quantity=0, user=None)
    # Then one drain was asked for, to run a second later (the writes of that second share
    # it), and it indexes both
    assert requested == [1.0]
    assert search_index_drain() == 2
    _refresh(synced)
    assert IndexQueue.objects.count() == 0
    assert [hit.product_id for hit in _engine_search("alpargatas").hits] == [renamed.pk]
    # And once it has finished, the next write asks for a new one
    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=emptied.pk, quantity=3, user=None)
    assert requested == [1.0, 1.0]


def test_with_no_index_delay_the_drain_is_asked_for_at_once(
    synced: Any,
    settings: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
    queued_drains: list[object],
) -> None:
    settings.SEARCH_INDEX_DELAY_SECONDS = 0
    requested = queued_drains
    emptied = Variant.objects.get(product=_product("munster"))

    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=emptied.pk, quantity=0, user=None)

    assert requested == [0]


def test_what_is_marked_while_a_drain_runs_waits_for_the_next_drain_a_second_later(
    synced: Any, settings: Any, monkeypatch: Any, queued_drains: list[object]
) -> None:
    # Given Celery with a queue (the drains asked for are recorded, not sent) and a queued product
    requested = queued_drains
    IndexQueue.objects.all().delete()
    first, later = _product("espadrilles"), _product("munster")
    mark_products_dirty(product_ids=[first.pk])
    # When a write marks another product while the drain is indexing the first
    index_batch = indexing.search_index_dirty

    def index_while_a_write_marks(**options: Any) -> int:
        done = index_batch(**options)
        if IndexQueue.objects.filter(product_id=later.pk).count() == 0:
            mark_products_dirty(product_ids=[later.pk])
        return done

    monkeypatch.setattr(indexing, "search_index_dirty", index_while_a_write_marks)
    # Then the drain indexed the first only (one bulk), and asked for the next drain, delayed
    assert search_index_drain() == 1
    assert list(IndexQueue.objects.values_list("product_id", flat=True)) == [later.pk]
    assert requested == [1.0]
    # And the next drain takes the later one, leaving nothing to ask for
    monkeypatch.setattr(indexing, "search_index_dirty", index_batch)
    assert search_index_drain() == 1
    assert IndexQueue.objects.count() == 0
    assert requested == [1.0]


def test_a_backlog_is_drained_batch_after_batch_without_waiting(
    synced: Any, settings: Any, monkeypatch: Any, queued_drains: list[object]
) -> None:
    # Given batches of two and three fresh products queued (a catalogue import's backlog)
    requested = queued_drains
    monkeypatch.setattr(indexing, "SWEEP_BATCH", 2)
    IndexQueue.objects.all().delete()
    mark_products_dirty(
        product_ids=[_product(slug).pk for slug in ("espadrilles", "munster", "orangettes")]
    )
    # When the drain runs: full batches follow each other at once, up to an empty queue
    assert search_index_drain() == 3
    assert IndexQueue.objects.count() == 0
    assert requested == []


def test_the_drain_leaves_a_failed_row_to_the_sweeper_until_it_is_marked_again(
    synced: Any,
) -> None:
    # Given a queued product whose indexing failed once, and a fresh one
    IndexQueue.objects.all().delete()
    failed, fresh = _product("espadrilles"), _product("munster")
    mark_products_dirty(product_ids=[failed.pk, fresh.pk])
    IndexQueue.objects.filter(product_id=failed.pk).update(attempts=1, last_error="down")
    # When the drain runs: only the fresh one is indexed (the sweeper retries the other)
    assert search_index_drain() == 1
    assert list(IndexQueue.objects.values_list("product_id", flat=True)) == [failed.pk]
    # When a write marks it again, the next drain takes it
    mark_products_dirty(product_ids=[failed.pk])
    assert IndexQueue.objects.get(product_id=failed.pk).attempts == 0
    assert search_index_drain() == 1
    assert IndexQueue.objects.count() == 0


def _engine_search(query: str) -> Any:
    return get_backend().search(SearchRequest(town=TOWN, query=query))


def test_a_batch_marked_by_many_writes_leaves_the_queue_in_one_statement(synced: Any) -> None:
    # Given three products marked by three writes (three marks)
    IndexQueue.objects.all().delete()
    products = [_product(slug) for slug in ("espadrilles", "munster", "orangettes")]
    for product in products:
        mark_products_dirty(product_ids=[product.pk])
    assert len(set(IndexQueue.objects.values_list("marked_at", flat=True))) == 3
    # When one batch indexes them
    with CaptureQueriesContext(connection) as captured:
        assert search_index_dirty(fresh=True) == 3
    # Then one DELETE took them off the queue
    deletes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 1
    assert IndexQueue.objects.count() == 0
