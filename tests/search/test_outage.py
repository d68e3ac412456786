"""An engine outage loses nothing: writes succeed, search falls back, the sweeper catches up.

This test stops the shared engine for a few seconds (deploy/search-engine.sh) and always
restarts it in a `finally`; it holds the engine-tests lock alone meanwhile (see conftest).
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from django.conf import settings as django_settings

from search.backends import engine_index, get_backend
from search.indexing import search_rebuild_town
from search.models import IndexQueue
from search.query import SearchRequest
from search.tasks import sweep_dirty_products
from tests.search.conftest import names, search
from vendors.catalogue import product_update
from vendors.models import Product, Variant
from vendors.stock_updates import stock_update

pytestmark = pytest.mark.engine

TOWN = "montpellier"
SCRIPT = django_settings.BASE_DIR / "deploy" / "search-engine.sh"


def _engine(action: str) -> None:
    subprocess.run(["bash", str(SCRIPT), action], check=True, timeout=300, capture_output=True)


def test_writes_during_an_engine_outage_are_indexed_after_it(
    settings: Any,
    engine_alone: Any,
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
    # When the engine is down
    _engine("stop")
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
        assert names(search(gql, TOWN, "alpargatas")) == ["Alpargatas"]
        # And the sweeper, running during the outage, keeps them queued
        assert sweep_dirty_products() == 0
        assert IndexQueue.objects.count() == 2
    finally:
        _engine("start")
    # When the sweeper runs after the engine is back
    assert sweep_dirty_products() == 2
    engine_alone.indices.refresh(index=engine_index.alias_name(TOWN))
    # Then the engine itself has caught up, and nothing is left in the queue
    backend = get_backend()
    found = backend.search(SearchRequest(town=TOWN, query="alpargatas"))
    assert (found.backend, [hit.product_id for hit in found.hits]) == ("engine", [renamed.pk])
    munster = backend.search(SearchRequest(town=TOWN, query="munster", in_stock=True))
    assert munster.total == 0
    assert IndexQueue.objects.count() == 0
