"""An engine outage loses nothing: writes succeed, search falls back, the sweeper catches up.

The outage is this test's alone: its search client points at a closed port meanwhile, so the
shared engine keeps serving every other test and engineer.
"""

from __future__ import annotations

from typing import Any

import pytest

from search.backends import engine_index, get_backend
from search.indexing import search_rebuild_town
from search.models import IndexQueue
from search.query import SearchRequest
from search.tasks import sweep_dirty_products
from tests.search.helpers import closed_port, names, search
from vendors.models import Product, Variant
from vendors.products import product_update
from vendors.stock_updates import stock_update

pytestmark = pytest.mark.engine

TOWN = "montpellier"


def test_writes_during_an_engine_outage_are_indexed_after_it(
    settings: Any,
    engine: Any,
    towns: Any,
    gql: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given Montpellier indexed, tasks running on commit
    settings.CELERY_TASK_ALWAYS_EAGER = True
    search_rebuild_town(town_slug=TOWN)
    IndexQueue.objects.all().delete()  # what loading the towns queued is in the index already
    renamed = Product.objects.get(vendor__town__slug=TOWN, slug="espadrilles")
    emptied = Variant.objects.get(product__vendor__town__slug=TOWN, product__slug="munster")
    # When the engine cannot be reached
    reachable = settings.SEARCH_URL
    settings.SEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    try:
        # Then catalogue writes still succeed (their indexing task fails quietly)
        with django_capture_on_commit_callbacks(execute=True):
            product_update(
                product_id=renamed.pk,
                data={"name": "Alpargatas"},
                variant_ids=[],
                remove_variant_ids=[],
                user=None,
            )
        with django_capture_on_commit_callbacks(execute=True):
            stock_update(variant_id=emptied.pk, quantity=0, user=None)
        # And both products stay queued, with the failed attempt recorded
        queued = dict(IndexQueue.objects.values_list("product_id", "attempts"))
        assert queued == {renamed.pk: 1, emptied.product_id: 1}
        # And search answers from the database meanwhile
        assert names(search(gql, TOWN, "alpargatas", answered_by="DATABASE")) == ["Alpargatas"]
        # And the sweeper, running during the outage, keeps them queued
        assert sweep_dirty_products() == 0
        assert IndexQueue.objects.count() == 2
    finally:
        settings.SEARCH_URL = reachable
    # When the sweeper runs after the engine is back
    assert sweep_dirty_products() == 2
    engine.indices.refresh(index=engine_index.alias_name(TOWN))
    # Then the engine itself has caught up, and nothing is left in the queue
    backend = get_backend()
    found = backend.search(SearchRequest(town=TOWN, query="alpargatas"))
    assert (found.backend, [hit.product_id for hit in found.hits]) == ("engine", [renamed.pk])
    munster = backend.search(SearchRequest(town=TOWN, query="munster", in_stock=True))
    assert munster.total == 0
    assert IndexQueue.objects.count() == 0
