"""The stock verbs of vendors/stock.py: rows changed, movements written, locks taken in pk order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.checkout.models import Checkout, Reservation
from tests.factories import ProductFactory, UserFactory, VariantFactory
from vendors import stock as stock_module
from vendors.models import Stock, StockMovement, StockMovementReason, Variant
from vendors.stock import (
    InsufficientStock,
    available_quantities,
    stock_allocate,
    stock_consume,
    stock_lock,
    stock_release,
    stock_set,
    stocks_create,
    stocks_lock,
    stocks_set,
    unsold_quantities,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def variants(db: Any) -> list[Variant]:
    """Three variants whose stock rows were created in reverse order: stock pk order is the
    opposite of variant id order, so that a lock taken by variant id would show."""
    product = ProductFactory()
    made = [VariantFactory(product=product, stock=None) for _ in range(3)]
    Stock.objects.filter(variant__in=made).delete()
    for variant, quantity in reversed(list(zip(made, (10, 20, 30), strict=True))):
        Stock.objects.create(variant=variant, quantity=quantity)
    return made


def _rows(variants: list[Variant]) -> list[tuple[int, int]]:
    stocks = {s.variant_id: s for s in Stock.objects.filter(variant__in=variants)}
    return [(stocks[v.pk].quantity, stocks[v.pk].quantity_allocated) for v in variants]


def _movements() -> list[tuple[str, int, int, str, int | None, str]]:
    return list(
        StockMovement.objects.order_by("stock__variant_id").values_list(
            "stock__variant__sku", "delta", "quantity_after", "reason", "user_id", "note"
        )
    )


def _locking_sql(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]


def _in_pk_order(sql: str) -> bool:
    return sql.rstrip().endswith('ORDER BY "vendors_stock"."id" ASC FOR UPDATE')


def test_stocks_lock_takes_the_rows_in_primary_key_order_in_one_query(variants):
    # given the variants asked in an arbitrary order, one of them twice, plus a variant without stock
    first, second, third = variants
    bare = VariantFactory(stock=None)
    Stock.objects.filter(variant=bare).delete()

    # when they are locked
    with CaptureQueriesContext(connection) as captured:
        locked = stocks_lock(variant_ids=[second.pk, bare.pk, third.pk, first.pk, second.pk])

    # then one SELECT … FOR UPDATE ordered by stock pk, the rows come back in that order
    # (third's stock row is the oldest), the variant without stock is absent
    assert len(captured.captured_queries) == 1
    [sql] = _locking_sql(captured)
    assert _in_pk_order(sql)
    assert [stock.pk for stock in locked.values()] == sorted(stock.pk for stock in locked.values())
    assert list(locked) == [third.pk, second.pk, first.pk]


def test_stocks_lock_of_nothing_sends_no_query(db):
    with CaptureQueriesContext(connection) as captured:
        assert stocks_lock(variant_ids=[]) == {}
    assert captured.captured_queries == []


def test_stock_lock_creates_the_missing_row(db):
    # given a variant without a stock row
    variant = VariantFactory(stock=None)
    Stock.objects.filter(variant=variant).delete()

    # when its stock is locked
    stock = stock_lock(variant_id=variant.pk)

    # then the row exists at 0, with no movement
    assert (stock.variant_id, stock.quantity, stock.quantity_allocated) == (variant.pk, 0, 0)
    assert Stock.objects.filter(variant=variant).count() == 1
    assert StockMovement.objects.count() == 0


def test_stock_allocate_allocates_after_locking_in_pk_order(variants):
    # given 10, 20, 30 units, none allocated
    first, second, third = variants

    # when 4 of the first and 20 of the third are allocated
    with CaptureQueriesContext(connection) as captured:
        stock_allocate(quantities={third.pk: 20, first.pk: 4, second.pk: 0})

    # then the lock (pk order) then one conditional UPDATE; quantities on hand unchanged,
    # no movement (nothing left the shop)
    assert len(captured.captured_queries) == 2
    assert _in_pk_order(_locking_sql(captured)[0])
    assert captured.captured_queries[1]["sql"].startswith('UPDATE "vendors_stock"')
    assert _rows(variants) == [(10, 4), (20, 0), (30, 20)]
    assert StockMovement.objects.count() == 0


def _held_by_a_cart(variant: Variant, units: int) -> None:
    """`units` of the variant held by another customer's cart for five more minutes."""
    cart = Checkout.objects.create(town=variant.vendor.town)
    Reservation.objects.create(
        checkout=cart,
        variant=variant,
        quantity=units,
        expires_at=timezone.now() + timedelta(minutes=5),
    )


def test_stock_allocate_gives_back_the_variants_it_sold_out(variants):
    # given 10, 20, 30 units, 4 of the second allocated already and 6 of the third held by
    # another checkout
    first, second, third = variants
    Stock.objects.filter(variant=second).update(quantity_allocated=4)
    _held_by_a_cart(third, 6)

    # when all that is left of the first and second is allocated, and all that is free of the third
    sold_out = stock_allocate(quantities={first.pk: 10, second.pk: 16, third.pk: 24})

    # then the first two are sold out; the third still has the units the other cart holds
    assert sold_out == sorted([first.pk, second.pk])
    assert _rows(variants) == [(10, 10), (20, 20), (30, 24)]
    # and an allocation that leaves some sells nothing out
    Stock.objects.filter(variant=first).update(quantity=15)
    assert stock_allocate(quantities={first.pk: 4}) == []


def test_stock_allocate_counts_others_reservations_but_not_the_checkouts_own(variants):
    # given 10 units of the first variant, 6 held by another checkout, 3 by ours
    first = variants[0]
    ours = Checkout.objects.create(town=first.vendor.town)
    theirs = Checkout.objects.create(town=first.vendor.town)
    later = timezone.now() + timedelta(minutes=10)
    Reservation.objects.create(checkout=theirs, variant=first, quantity=6, expires_at=later)
    Reservation.objects.create(checkout=ours, variant=first, quantity=3, expires_at=later)

    # when our checkout wants 5: refused (10 - 6 = 4); then 4: allocated
    with pytest.raises(InsufficientStock) as refused:
        stock_allocate(quantities={first.pk: 5}, exclude_checkout=ours.pk)
    stock_allocate(quantities={first.pk: 4}, exclude_checkout=ours.pk)

    # then
    assert refused.value.variant_ids == [first.pk]
    assert _rows([first]) == [(10, 4)]


def test_stock_allocate_counts_the_reservations_unexpired_when_it_runs(variants):
    # given an allocation already made (its statement is compiled once per process, its
    # instant is not), then 6 units held by a reservation that has just expired and 3 by one
    # that has not
    first = variants[0]
    stock_allocate(quantities={first.pk: 1})
    theirs = Checkout.objects.create(town=first.vendor.town)
    others = Checkout.objects.create(town=first.vendor.town)
    now = timezone.now()
    Reservation.objects.create(
        checkout=theirs, variant=first, quantity=6, expires_at=now - timedelta(milliseconds=1)
    )
    Reservation.objects.create(
        checkout=others, variant=first, quantity=3, expires_at=now + timedelta(minutes=10)
    )

    # when 6 more are wanted: 10 - 1 - 3 = 6 are free
    stock_allocate(quantities={first.pk: 6})

    # then
    assert _rows([first]) == [(10, 7)]


def test_stock_allocate_reports_only_the_short_variants(variants):
    # given 10, 20, 30 units and a variant without any stock row
    first, second, third = variants
    bare = VariantFactory(stock=None)
    Stock.objects.filter(variant=bare).delete()

    # when more than there is of the second is asked, and some of the stockless one
    with pytest.raises(InsufficientStock) as refused:
        stock_allocate(quantities={first.pk: 1, second.pk: 21, third.pk: 30, bare.pk: 1})

    # then those two are reported, sorted (the caller's transaction rolls the others back)
    assert refused.value.variant_ids == sorted([second.pk, bare.pk])


def test_unsold_quantities_leave_carts_apart(variants):
    # given 10 units of the first variant, 4 allocated and 5 held by a cart; a variant without
    # any stock row
    first, second, _third = variants
    Stock.objects.filter(variant=first).update(quantity_allocated=4)
    _held_by_a_cart(first, 5)
    bare = VariantFactory(stock=None)
    Stock.objects.filter(variant=bare).delete()

    # then what the shop has not sold: the cart's units count, the missing row is 0
    assert unsold_quantities([first.pk, second.pk, bare.pk]) == {
        first.pk: 6,
        second.pk: 20,
        bare.pk: 0,
    }
    assert available_quantities([first.pk])[first.pk] == 1


def test_stock_release_gives_back_at_most_what_is_allocated(variants):
    # given 4 of the first variant's 10 units allocated, and all 20 of the second's
    first, second, third = variants
    Stock.objects.filter(variant=first).update(quantity_allocated=4)
    Stock.objects.filter(variant=second).update(quantity_allocated=20)

    # when 3 of the first, 25 of the second and 2 of the third (none held) are released
    with CaptureQueriesContext(connection) as captured:
        back = stock_release(quantities={second.pk: 25, first.pk: 3, third.pk: 2})

    # then the lock (pk order) and one UPDATE; what was held is given back, no movement; the
    # second, sold out before, is back
    assert len(captured.captured_queries) == 2
    assert _in_pk_order(_locking_sql(captured)[0])
    assert _rows(variants) == [(10, 1), (20, 0), (30, 0)]
    assert back == [second.pk]
    assert StockMovement.objects.count() == 0


def test_stock_consume_takes_the_goods_out_and_records_sales(variants):
    # given 4 units of the first and 5 of the second allocated
    first, second, third = variants
    Stock.objects.filter(variant=first).update(quantity_allocated=4)
    Stock.objects.filter(variant=second).update(quantity_allocated=5)
    baker = UserFactory()

    # when 4 of the first and 2 of the second leave the shop
    with CaptureQueriesContext(connection) as captured:
        consumed = stock_consume(
            quantities={first.pk: 4, second.pk: 2, third.pk: 1},
            user=baker,
            note="MP-2026-ABCDE-FGHJK",
        )

    # then the lock (pk order), one UPDATE, one INSERT of the sale movements
    assert len(captured.captured_queries) == 3
    assert _in_pk_order(_locking_sql(captured)[0])
    assert consumed == {first.pk: 4, second.pk: 2}
    assert _rows(variants) == [(6, 0), (18, 3), (30, 0)]
    assert _movements() == [
        (first.sku, -4, 6, StockMovementReason.SALE, baker.pk, "MP-2026-ABCDE-FGHJK"),
        (second.sku, -2, 18, StockMovementReason.SALE, baker.pk, "MP-2026-ABCDE-FGHJK"),
    ]


def test_stock_set_changes_the_quantity_and_records_it(variants):
    # given the first variant's locked stock (10 units, 4 allocated)
    first = variants[0]
    Stock.objects.filter(variant=first).update(quantity_allocated=4)
    stock = stocks_lock(variant_ids=[first.pk])[first.pk]
    owner = UserFactory()

    # when it is counted at 7, then at 7 again
    delta = stock_set(
        stock=stock, quantity=7, user=owner, reason=StockMovementReason.LOSS, note="cassé"
    )
    again = stock_set(stock=stock, quantity=7, user=owner)

    # then one movement; the second count changes nothing
    assert (delta, again) == (-3, 0)
    assert _rows([first]) == [(7, 4)]
    assert _movements() == [(first.sku, -3, 7, StockMovementReason.LOSS, owner.pk, "cassé")]


def test_stock_set_refuses_less_than_what_is_allocated(variants):
    # given 4 units allocated
    first = variants[0]
    Stock.objects.filter(variant=first).update(quantity_allocated=4)
    stock = stocks_lock(variant_ids=[first.pk])[first.pk]

    # when the count says 3
    with pytest.raises(ValidationError) as refused:
        stock_set(stock=stock, quantity=3, user=None, field="variants.0.stock")

    # then the error names the field and the code; nothing is written
    [error] = refused.value.error_dict["variants.0.stock"]
    assert (error.code, error.message) == (
        "STOCK_BELOW_ALLOCATED",
        "4 unités sont déjà réservées pour des commandes.",
    )
    assert _rows([first]) == [(10, 4)]
    assert StockMovement.objects.count() == 0


def test_stocks_create_records_the_opening_counts(db):
    # given three new variants without stock rows
    made = [VariantFactory(stock=None) for _ in range(3)]
    Stock.objects.filter(variant__in=made).delete()
    owner = UserFactory()

    # when their stock is created at 5, 0 and 2
    with CaptureQueriesContext(connection) as captured:
        stocks = stocks_create(
            quantities=list(zip(made, (5, 0, 2), strict=True)),
            user=owner,
            reason=StockMovementReason.IMPORT,
        )

    # then one INSERT of rows and one of movements; a zero opening count is not a movement
    assert len(captured.captured_queries) == 2
    assert [(s.variant_id, s.quantity) for s in stocks] == [
        (made[0].pk, 5),
        (made[1].pk, 0),
        (made[2].pk, 2),
    ]
    assert _movements() == [
        (made[0].sku, 5, 5, StockMovementReason.IMPORT, owner.pk, ""),
        (made[2].sku, 2, 2, StockMovementReason.IMPORT, owner.pk, ""),
    ]


def test_stocks_create_can_record_zero_openings_too(db):
    variant = VariantFactory(stock=None)
    Stock.objects.filter(variant=variant).delete()

    stocks_create(
        quantities=[(variant, 0)], user=None, reason=StockMovementReason.IMPORT, record_zero=True
    )

    assert _movements() == [(variant.sku, 0, 0, StockMovementReason.IMPORT, None, "")]


def test_stocks_set_writes_one_statement_per_batch(variants, monkeypatch):
    # given batches of 2 rows, and the three locked stocks (10, 20, 30)
    monkeypatch.setattr(stock_module, "BATCH_SIZE", 2)
    first, second, third = variants
    locked = stocks_lock(variant_ids=[v.pk for v in variants])
    owner = UserFactory()

    # when they are counted at 11, 20 (unchanged) and 3
    with CaptureQueriesContext(connection) as captured:
        changed = stocks_set(
            quantities=[(locked[first.pk], 11), (locked[second.pk], 20), (locked[third.pk], 3)],
            user=owner,
            reason=StockMovementReason.IMPORT,
        )

    # then the two changed rows in one UPDATE, their two movements in one INSERT
    statements = [q["sql"].split(" ")[0] for q in captured.captured_queries]
    assert statements == ["UPDATE", "INSERT"]
    assert [s.variant_id for s in changed] == [first.pk, third.pk]
    assert _rows(variants) == [(11, 0), (20, 0), (3, 0)]
    assert _movements() == [
        (first.sku, 1, 11, StockMovementReason.IMPORT, owner.pk, ""),
        (third.sku, -27, 3, StockMovementReason.IMPORT, owner.pk, ""),
    ]


def test_stocks_set_splits_a_large_count_into_batches(variants, monkeypatch):
    monkeypatch.setattr(stock_module, "BATCH_SIZE", 2)
    locked = stocks_lock(variant_ids=[v.pk for v in variants])

    with CaptureQueriesContext(connection) as captured:
        stocks_set(
            quantities=[(stock, stock.quantity + 1) for stock in locked.values()],
            user=None,
            reason=StockMovementReason.IMPORT,
        )

    statements = [q["sql"].split(" ")[0] for q in captured.captured_queries]
    assert statements == ["UPDATE", "UPDATE", "INSERT", "INSERT"]
    assert _rows(variants) == [(11, 0), (21, 0), (31, 0)]
