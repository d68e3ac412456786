"""Every catalogue write marks its products dirty; that one place also renews, after the commit,
the versions of the cached page fragments of their shops and towns (marketplace.core.page_cache)."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.core.drains import drain_finished
from marketplace.core.page_cache import shop_page_version, town_page_version
from search.indexing import DRAIN, mark_products_dirty, mark_vendor_dirty
from search.tasks import index_dirty
from tests.factories import ProductFactory, VendorFactory
from vendors.products import product_delete

pytestmark = pytest.mark.django_db


def _versions(vendor: Any) -> tuple[str, str]:
    return town_page_version(town_id=vendor.town_id), shop_page_version(vendor_id=vendor.pk)


def test_marking_products_renews_their_shop_and_town_versions_after_the_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given a product, and another shop of another town
    product = ProductFactory()
    other = VendorFactory()
    before, other_before = _versions(product.vendor), _versions(other)
    # When it is marked dirty (a write's transaction)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mark_products_dirty(product_ids=[product.pk])
        # Then nothing changes before the commit (a reader would cache the old rows under it)
        assert _versions(product.vendor) == before
    for callback in callbacks:
        callback()
    # and both versions are new after it; the other shop's are untouched
    after = _versions(product.vendor)
    assert after[0] != before[0] and after[1] != before[1]
    assert _versions(other) == other_before


def test_with_a_queue_the_versions_are_renewed_with_the_drain_request_whether_or_not_it_is_sent(
    settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Given Celery with a queue (not eager): the drains asked for are recorded, not sent
    settings.CELERY_TASK_ALWAYS_EAGER = False
    drain_finished(DRAIN)
    requested: list[object] = []
    monkeypatch.setattr(index_dirty, "apply_async", lambda **options: requested.append(options))
    product = ProductFactory()
    versions = [_versions(product.vendor)]
    # When it is marked dirty twice (the second while the first drain is still queued)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            mark_products_dirty(product_ids=[product.pk])
        versions.append(_versions(product.vendor))
    # Then one drain was asked for, and each commit renewed both versions
    assert len(requested) == 1
    assert versions[0][0] != versions[1][0] != versions[2][0]
    assert versions[0][1] != versions[1][1] != versions[2][1]
    drain_finished(DRAIN)


def test_a_deleted_product_renews_its_shop_version(
    django_capture_on_commit_callbacks: Any,
) -> None:
    product = ProductFactory()
    before = _versions(product.vendor)

    with django_capture_on_commit_callbacks(execute=True):
        product_delete(product_id=product.pk)

    assert _versions(product.vendor)[1] != before[1]


def test_a_shop_without_products_renews_its_versions_when_marked(
    django_capture_on_commit_callbacks: Any,
) -> None:
    shop = VendorFactory()
    before = _versions(shop)

    with django_capture_on_commit_callbacks(execute=True):
        mark_vendor_dirty(vendor_id=shop.pk)

    after = _versions(shop)
    assert after[0] != before[0] and after[1] != before[1]


def test_a_version_is_stable_between_writes() -> None:
    shop = VendorFactory()

    assert _versions(shop) == _versions(shop)
