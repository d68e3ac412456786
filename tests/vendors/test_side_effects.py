"""Search marking inside the write's transaction, beat sweepers, concurrent stock changes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from graphql_relay import from_global_id

from search.models import IndexQueue
from tests.factories import ProductFactory, VariantFactory
from tests.vendors.helpers import gid
from vendors.models import Stock, StockMovement, StockMovementReason, VendorInvitation
from vendors.stock_updates import stock_adjust
from vendors.tasks import sweep_merchant_notifications

CREATE = """
mutation($input: ProductCreateInput!) { productCreate(input: $input) { product { id } errors { code } } }
"""


def _create(gql, world, variants):
    return gql.login(world.owner_a).execute(
        CREATE,
        {
            "input": {
                "vendor": gid("Vendor", world.shop_a.pk),
                "name": "Brie",
                "category": "fromages",
                "variants": variants,
            }
        },
    )["productCreate"]


def test_a_catalogue_write_marks_the_product_dirty_in_its_transaction(gql, world):
    data = _create(gql, world, [{"sku": "BRIE", "price": "5"}])
    product_id = int(from_global_id(data["product"]["id"])[1])
    assert list(IndexQueue.objects.values_list("product_id", "town_id")) == [
        (product_id, world.town.pk)
    ]


def test_a_refused_write_marks_nothing(gql, world):
    data = _create(gql, world, [{"sku": "BRIE", "price": "0"}])
    assert data["errors"] == [{"code": "INVALID_PRICE"}]
    assert IndexQueue.objects.count() == 0


STOCK_UPDATE = (
    "mutation($v: ID!, $q: Int!) { stockUpdate(variant: $v, quantity: $q) { errors { code } } }"
)


def test_a_stock_count_marks_the_product_only_when_it_empties_or_refills_the_variant(gql, world):
    # Given a variant with 4 units, one of them allocated to an order
    variant = VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="T", stock=4)
    Stock.objects.filter(variant=variant).update(quantity_allocated=1)
    gql.login(world.owner_a)

    def count(quantity: int) -> list[int]:
        IndexQueue.objects.all().delete()
        data = gql.execute(STOCK_UPDATE, {"v": gid("Variant", variant.pk), "q": quantity})
        assert data["stockUpdate"]["errors"] == []
        assert Stock.objects.get(variant=variant).quantity == quantity
        return list(IndexQueue.objects.values_list("product_id", flat=True))

    # When the shop counts 9, then 2: units stay unsold, search has nothing to change
    assert count(9) == []
    assert count(2) == []
    # When it counts 1 (the allocated unit alone: nothing left to sell), then 3 again
    assert count(1) == [variant.product_id]
    assert count(3) == [variant.product_id]
    # and an adjustment that empties it is marked too
    IndexQueue.objects.all().delete()
    stock_adjust(variant_id=variant.pk, delta=-2, reason=StockMovementReason.LOSS, user=None)
    assert list(IndexQueue.objects.values_list("product_id", flat=True)) == [variant.product_id]


def test_product_deletes_mark_the_product(gql, world):
    variant = VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="T", stock=4)
    gql.login(world.owner_a)
    gql.execute(
        "mutation($id: ID!) { productDelete(id: $id) { errors { code } } }",
        {"id": gid("Product", variant.product_id)},
    )
    assert list(IndexQueue.objects.values_list("product_id", "town_id")) == [
        (variant.product_id, world.town.pk)
    ]


def test_a_profile_change_marks_the_shops_products(gql, world):
    product = ProductFactory(vendor=world.shop_a)
    gql.login(world.owner_a).execute(
        'mutation($id: ID!) { vendorUpdate(id: $id, input: {name: "Nouveau nom"}) { errors { code } } }',
        {"id": gid("Vendor", world.shop_a.pk)},
    )
    assert list(IndexQueue.objects.values_list("product_id", flat=True)) == [product.pk]


def test_the_beat_sweeper_sends_what_the_lost_tasks_did_not(world, mailoutbox):
    # given an invitation and a low stock whose on-commit tasks never ran
    invitation = VendorInvitation.objects.create(
        vendor=world.shop_a, email="lost@example.org", token="lost"
    )
    VendorInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    variant = VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="LOW", stock=1)
    variant.low_stock_threshold = 2
    variant.save(update_fields=["low_stock_threshold"])
    # when the sweeper runs twice
    first = sweep_merchant_notifications()
    second = sweep_merchant_notifications()
    # then each email went out exactly once
    assert first == {"invitations": 1, "low_stock": 1}
    assert second == {"invitations": 0, "low_stock": 0}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(["lost@example.org", world.shop_a.email])


@pytest.mark.django_db(transaction=True)
def test_concurrent_adjustments_all_apply_and_are_all_recorded(world):
    # given a variant with 50 units
    variant = VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="RACE", stock=50)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                stock_adjust(
                    variant_id=variant.pk,
                    delta=-1,
                    reason=StockMovementReason.LOSS,
                    user=world.staff_a,
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    # when 8 threads each remove 5 units at the same time
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then no update was lost and the movement log adds up
    assert errors == []
    stock = Stock.objects.get(variant=variant)
    assert stock.quantity == 10
    movements = list(
        StockMovement.objects.filter(stock=stock)
        .order_by("id")
        .values_list("delta", "quantity_after")
    )
    assert len(movements) == 40
    assert sorted(after for _, after in movements) == list(range(10, 50))
