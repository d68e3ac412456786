"""Queries compiled once per process (`marketplace/core/compiled.py`): each run binds its own
values and gives what the QuerySet itself would."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.core.compiled import (
    Slot,
    Slots,
    compiled_insert,
    compiled_query,
    compiled_statement,
)
from marketplace.core.inserts import row_insert
from marketplace.core.models import OutboxMessage
from marketplace.core.updates import (
    compiled_update_statement,
    rows_returned,
    statements_run,
    update_returning_statement,
)
from tests.factories import TownFactory, VariantFactory, VendorFactory
from vendors.models import Variant, Vendor

pytestmark = pytest.mark.django_db


def _variants_of(vendor_id: int) -> Any:
    return (
        Variant.objects.filter(vendor_id=vendor_id)
        .select_related("product__category", "vendor")
        .order_by("pk")
    )


def test_a_compiled_model_query_gives_the_querysets_instances_for_each_runs_values():
    # given two shops (one with opening hours: a JSON column, converted), two variants each
    shops = [VendorFactory(opening_hours={"mon": "9-12"}), VendorFactory()]
    for shop in shops:
        VariantFactory.create_batch(2, product__vendor=shop)
    query = compiled_query(
        ("test-variants-of", 1),
        lambda: _variants_of(Slot("vendor", Variant._meta.get_field("vendor"))),
    )

    for shop in shops:
        # when the compiled query runs for this shop
        found = query.run(vendor=shop.pk)

        # then the same rows and columns as the QuerySet, relations loaded with them
        expected = list(_variants_of(shop.pk))
        assert [v.pk for v in found] == [v.pk for v in expected]
        with CaptureQueriesContext(connection) as captured:
            seen = [
                (v.sku, v.price, v.product.name, v.product.category.slug, v.vendor.opening_hours)
                for v in found
            ]
        assert len(captured.captured_queries) == 0
        assert seen == [
            (v.sku, v.price, v.product.name, v.product.category.slug, v.vendor.opening_hours)
            for v in expected
        ]
        assert all(v._state.adding is False and v._state.db == "default" for v in found)
    assert query.run(vendor=shops[0].pk)[0].vendor.opening_hours == {"mon": "9-12"}


def test_a_compiled_values_list_binds_a_list_of_slots():
    # given three variants
    variants = VariantFactory.create_batch(3)
    query = compiled_query(
        ("test-skus", 2),
        lambda: (
            Variant.objects.filter(pk__in=Slots("v", 2, Variant._meta.pk))
            .order_by("pk")
            .values_list("pk", "sku")
        ),
    )

    # when it runs for the first two, then the last two
    first = query.run(v0=variants[0].pk, v1=variants[1].pk)
    last = query.run(v0=variants[2].pk, v1=variants[1].pk)

    # then
    assert first == [(v.pk, v.sku) for v in variants[:2]]
    assert last == [(v.pk, v.sku) for v in variants[1:]]


@pytest.mark.django_db(transaction=True)
def test_a_compiled_locking_query_is_refused_outside_a_transaction():
    shop = VendorFactory()
    with transaction.atomic():
        query = compiled_query(
            ("test-lock-vendor",),
            lambda: Vendor.objects.select_for_update().filter(pk=Slot("pk", Vendor._meta.pk)),
        )
        assert [v.pk for v in query.run(pk=shop.pk)] == [shop.pk]

    with pytest.raises(TransactionManagementError):
        query.run(pk=shop.pk)


def test_a_compiled_update_sets_each_runs_values_prepared_as_a_save_would():
    # given two variants at 10.00
    first, second = VariantFactory.create_batch(2)
    price = Variant._meta.get_field("price")
    statement = compiled_statement(
        ("test-reprice",),
        lambda: update_returning_statement(
            Variant.objects.filter(pk=Slot("pk", Variant._meta.pk)),
            {"price": Slot("price", price), "position": Slot("position", models.IntegerField())},
            returning="id",
        ),
        using="default",
    )

    # when each is repriced (a price given with more places than the column keeps)
    for variant, new_price in ((first, Decimal("12.50")), (second, Decimal("3.999"))):
        updated = rows_returned(
            using="default",
            statement=statement.sql_params(pk=variant.pk, price=new_price, position=7),
        )
        assert updated == [variant.pk]

    # then
    assert list(Variant.objects.order_by("pk").values_list("price", "position")) == [
        (Decimal("12.50"), 7),
        (Decimal("4.00"), 7),
    ]


def test_a_compiled_update_statement_filters_and_sets_each_runs_values():
    # given three variants at 10.00, two of one product
    first, second = VariantFactory.create_batch(2)
    third = VariantFactory(product=first.product, vendor=first.vendor)

    # when the first product's variants, then the second's, are repriced by the same shape
    # (a price given with more places than the column keeps)
    for variant, new_price in ((first, Decimal("12.50")), (second, Decimal("3.999"))):
        statements_run(
            using="default",
            statements=[
                compiled_update_statement(
                    Variant,
                    where={"product_id": variant.product_id, "pk": variant.pk},
                    values={"price": new_price, "position": 7},
                )
            ],
        )

    # then each run wrote its own values to its own row only
    assert list(Variant.objects.order_by("pk").values_list("pk", "price", "position")) == [
        (first.pk, Decimal("12.50"), 7),
        (second.pk, Decimal("4.00"), 7),
        (third.pk, third.price, third.position),
    ]


def test_a_compiled_update_statement_refuses_an_expression():
    with pytest.raises(ValueError, match="plain values"):
        compiled_update_statement(Variant, where={"pk": 1}, values={"position": models.F("pk")})


def test_a_compiled_insert_writes_what_the_orm_would_and_its_auto_now_values():
    # given a town; shops inserted by threes, then one alone, each shape twice (the first time
    # compiled by the ORM, then from the kept SQL)
    town = TownFactory()
    fields = [f for f in Vendor._meta.concrete_fields if not f.primary_key]
    made: list[Vendor] = []
    for batch, size in enumerate((3, 3, 1, 1)):
        shops = [
            Vendor(
                town=town,
                slug=f"s{batch}-{i}",
                name=f"Shop {batch}-{i}",
                email="s@example.org",
                opening_hours={"mon": f"{batch}-{i}"},
            )
            for i in range(size)
        ]
        sql, params = compiled_insert(shops, fields=fields, using="default")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        made += shops

    # then each row holds its object's values, auto_now ones included (set once, on the object)
    rows = {v.slug: v for v in Vendor.objects.filter(town=town)}
    assert sorted(rows) == sorted(shop.slug for shop in made)
    for shop in made:
        row = rows[shop.slug]
        assert (row.name, row.opening_hours, row.status) == (
            shop.name,
            shop.opening_hours,
            shop.status,
        )
        assert (row.created_at, row.updated_at) == (shop.created_at, shop.updated_at)


def test_row_insert_writes_each_object_and_gives_it_its_key():
    # given two outbox messages (the second inserted by the kept SQL)
    messages = [
        OutboxMessage(
            task_name="t",
            kwargs={"order_id": n, "event": "paid"},
            cause_type="order",
            cause_id=n,
            available_at=timezone.now(),
        )
        for n in ("1", "2")
    ]

    # when each is inserted
    for message in messages:
        row_insert(message)

    # then each has its key and its row holds its values
    assert all(m.pk is not None and m._state.adding is False for m in messages)
    rows = OutboxMessage.objects.in_bulk([m.pk for m in messages])
    for message in messages:
        row = rows[message.pk]
        assert (row.kwargs, row.cause_id, row.created_at, row.attempts) == (
            message.kwargs,
            message.cause_id,
            message.created_at,
            0,
        )
