"""stockUpdate / stockAdjust, the movement log, the CHECK constraint and the low-stock email."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import ProductFactory, VariantFactory
from tests.vendors.helpers import gid
from vendors.models import Stock, StockMovement
from vendors.stock_updates import stock_low_notify

SET = """
mutation($variant: ID!, $quantity: Int!) {
  stockUpdate(variant: $variant, quantity: $quantity) {
    variant { sku stockQuantity quantityAvailable } errors { field code }
  }
}
"""
ADJUST = """
mutation($variant: ID!, $delta: Int!, $reason: StockMovementReason!, $note: String) {
  stockAdjust(variant: $variant, delta: $delta, reason: $reason, note: $note) {
    variant { stockQuantity } errors { field code }
  }
}
"""
MOVEMENTS = """
query($town: String!, $slug: String!) {
  vendor(town: $town, slug: $slug) {
    stockMovements(first: 10) { totalCount edges { node { sku delta quantityAfter reason note userEmail } } }
  }
}
"""


@pytest.fixture
def variant(world):
    return VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="TOMME", stock=10)


def test_set_and_adjust_are_recorded_with_who_and_why(gql, world, variant):
    gql.login(world.staff_a)
    set_data = gql.execute(SET, {"variant": gid("Variant", variant.pk), "quantity": 4})
    adjust = gql.execute(
        ADJUST,
        {
            "variant": gid("Variant", variant.pk),
            "delta": 6,
            "reason": "RECEIVED",
            "note": "Livraison",
        },
    )
    assert set_data["stockUpdate"] == {
        "variant": {"sku": "TOMME", "stockQuantity": 4, "quantityAvailable": 4},
        "errors": [],
    }
    assert adjust["stockAdjust"] == {"variant": {"stockQuantity": 10}, "errors": []}
    movements = gql.execute(MOVEMENTS, {"town": "montpellier", "slug": "fromagerie"})
    assert movements["vendor"]["stockMovements"]["totalCount"] == 2
    assert [e["node"] for e in movements["vendor"]["stockMovements"]["edges"]] == [
        {
            "sku": "TOMME",
            "delta": 6,
            "quantityAfter": 10,
            "reason": "RECEIVED",
            "note": "Livraison",
            "userEmail": "staff-a@example.org",
        },
        {
            "sku": "TOMME",
            "delta": -6,
            "quantityAfter": 4,
            "reason": "SET",
            "note": "",
            "userEmail": "staff-a@example.org",
        },
    ]


def test_stock_never_goes_below_allocated_or_zero(gql, world, variant):
    Stock.objects.filter(variant=variant).update(quantity_allocated=3)
    gql.login(world.owner_a)
    cases = [
        (SET, {"quantity": 2}, "stockUpdate", ("quantity", "STOCK_BELOW_ALLOCATED")),
        (SET, {"quantity": -1}, "stockUpdate", ("quantity", "INVALID_QUANTITY")),
        (
            ADJUST,
            {"delta": -8, "reason": "LOSS"},
            "stockAdjust",
            ("quantity", "STOCK_BELOW_ALLOCATED"),
        ),
        (ADJUST, {"delta": 0, "reason": "LOSS"}, "stockAdjust", ("delta", "INVALID_QUANTITY")),
        (ADJUST, {"delta": 1, "reason": "SALE"}, "stockAdjust", ("reason", "INVALID")),
    ]
    for query, variables, name, expected in cases:
        errors = gql.execute(query, {"variant": gid("Variant", variant.pk), **variables})[name][
            "errors"
        ]
        assert (errors[0]["field"], errors[0]["code"]) == expected
    assert Stock.objects.get(variant=variant).quantity == 10
    assert StockMovement.objects.count() == 0


def test_the_database_check_constraint_holds(world, variant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(variant=variant).update(quantity_allocated=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(variant=variant).update(quantity=-1, quantity_allocated=0)


def test_low_stock_emails_the_shop_once_and_resets_when_restocked(
    gql, world, variant, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    variant.low_stock_threshold = 5
    variant.save(update_fields=["low_stock_threshold"])
    gql.login(world.owner_a)
    vid = gid("Variant", variant.pk)
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(SET, {"variant": vid, "quantity": 4})
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(SET, {"variant": vid, "quantity": 3})
    # one email for the crossing, none for going lower still
    assert [m.to for m in mailoutbox] == [[world.shop_a.email]]
    assert "TOMME" in mailoutbox[0].subject
    assert Stock.objects.get(variant=variant).low_stock_notified_at is not None
    # restocking resets the flag; the next crossing emails again
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(SET, {"variant": vid, "quantity": 9})
    assert Stock.objects.get(variant=variant).low_stock_notified_at is None
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(ADJUST, {"variant": vid, "delta": -8, "reason": "LOSS"})
    assert len(mailoutbox) == 2


def test_the_low_stock_task_is_idempotent(world, variant, mailoutbox):
    variant.low_stock_threshold = 20
    variant.save(update_fields=["low_stock_threshold"])
    stock = Stock.objects.get(variant=variant)
    assert stock_low_notify(stock_id=stock.pk) is True
    assert stock_low_notify(stock_id=stock.pk) is False
    assert len(mailoutbox) == 1


def test_threshold_is_set_through_the_variant_input(gql, world, variant):
    query = """mutation($id: ID!, $input: ProductUpdateInput!) { productUpdate(id: $id, input: $input) {
        product { variants { lowStockThreshold } } errors { field code } } }"""
    data = gql.login(world.staff_a).execute(
        query,
        {
            "id": gid("Product", variant.product_id),
            "input": {"variants": [{"id": gid("Variant", variant.pk), "lowStockThreshold": 3}]},
        },
    )["productUpdate"]
    assert data == {"product": {"variants": [{"lowStockThreshold": 3}]}, "errors": []}
    # and it stays private
    public = gql.logout().execute(
        "query($id: ID!) { product(id: $id) { variants { lowStockThreshold stockQuantity } } }",
        {"id": gid("Product", variant.product_id)},
    )
    assert public["product"]["variants"] == [{"lowStockThreshold": None, "stockQuantity": None}]
