"""Every catalogue write marks its products dirty; that one place also renews, after the commit,
the versions of the cached page fragments of their shops and towns (marketplace.core.page_cache)."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.core.page_cache import shop_page_version, town_page_version
from search.indexing import mark_products_dirty, mark_vendor_dirty
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
