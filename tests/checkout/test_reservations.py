"""Reservations: held for RESERVATION_MINUTES, stop counting at expiry, renewed on touch, purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.checkout.models import Reservation
from marketplace.checkout.tasks import purge_expired_reservations
from tests.checkout.helpers import (
    COMPLETE,
    CREATE,
    LINES_ADD,
    LINES_UPDATE,
    line,
    shop,
    town,
    variant,
)
from vendors.stock import available_quantities

pytestmark = pytest.mark.django_db

QUANTITY = "query($id: ID!) { node(id: $id) { ... on Variant { quantityAvailable } } }"


def _create(gql, city, *lines):
    return gql.execute(
        CREATE, {"input": {"town": city.slug, "email": "a@example.org", "lines": list(lines)}}
    )["checkoutCreate"]


def test_adding_lines_reserves_stock_for_the_configured_minutes(gql, settings):
    settings.RESERVATION_MINUTES = 7
    city = town()
    bread = variant(shop(city, "bakery"), stock=10)
    before = timezone.now()
    _create(gql, city, line(bread, 4))
    reservation = Reservation.objects.get()
    assert reservation.quantity == 4
    assert (
        before + timedelta(minutes=7)
        <= reservation.expires_at
        <= timezone.now() + timedelta(minutes=7)
    )
    # other customers see 6 left, the holder itself sees its own 4 as available too
    assert available_quantities([bread.pk]) == {bread.pk: 6}
    assert available_quantities([bread.pk], exclude_checkout=reservation.checkout_id) == {
        bread.pk: 10
    }


def test_another_customer_cannot_take_reserved_stock(gql):
    city = town()
    bread = variant(shop(city, "bakery"), stock=5)
    first = _create(gql, city, line(bread, 4))
    second = _create(gql, city, line(bread, 2))
    assert first["errors"] == []
    assert [(e["field"], e["code"]) for e in second["errors"]] == [("lines", "INSUFFICIENT_STOCK")]
    assert _create(gql, city, line(bread, 1))["errors"] == []


def test_an_expired_reservation_stops_counting_at_once_without_purge(gql):
    # given a reservation of 4 out of 5 that has just expired
    city = town()
    bread = variant(shop(city, "bakery"), stock=5)
    _create(gql, city, line(bread, 4))
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    # when another customer asks for all 5
    second = _create(gql, city, line(bread, 5))
    # then they get them: the expired reservation does not count (it is still in the table)
    assert second["errors"] == []
    assert Reservation.objects.count() == 2


def test_touching_a_checkout_renews_its_reservations_if_stock_allows(gql):
    # given a checkout whose reservations are about to expire
    city = town()
    bakery = shop(city, "bakery")
    bread = variant(bakery, stock=5)
    cake = variant(bakery, stock=5)
    checkout = _create(gql, city, line(bread, 2))["checkout"]
    soon = timezone.now() + timedelta(seconds=30)
    Reservation.objects.update(expires_at=soon)
    # when a line is added
    gql.execute(LINES_ADD, {"id": checkout["id"], "lines": [line(cake, 1)]})
    # then both reservations run again for the full period
    expiries = dict(Reservation.objects.values_list("variant_id", "expires_at"))
    assert expiries[bread.pk] > soon + timedelta(minutes=10)
    assert expiries[cake.pk] > soon + timedelta(minutes=10)


def test_renewal_skips_a_line_whose_stock_was_taken_meanwhile(gql):
    # given my reservation of 3 breads expired and someone else reserved 4 of 5
    city = town()
    bakery = shop(city, "bakery")
    bread = variant(bakery, stock=5)
    cake = variant(bakery, stock=5)
    mine = _create(gql, city, line(bread, 3))["checkout"]
    past = timezone.now() - timedelta(seconds=1)
    Reservation.objects.update(expires_at=past)
    assert _create(gql, city, line(bread, 4))["errors"] == []
    # when I touch my checkout by adding a cake
    data = gql.execute(LINES_ADD, {"id": mine["id"], "lines": [line(cake, 1)]})["checkoutLinesAdd"]
    # then the cake is reserved, the bread reservation is left expired (and completing will fail)
    assert data["errors"] == []
    mine_reservations = dict(
        Reservation.objects.filter(checkout_id=mine["token"]).values_list(
            "variant_id", "expires_at"
        )
    )
    assert mine_reservations[bread.pk] == past
    assert mine_reservations[cake.pk] > timezone.now()
    result = gql.execute(COMPLETE, {"id": mine["id"]})["checkoutComplete"]
    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_STOCK"]


def test_raising_a_quantity_beyond_stock_is_refused_and_keeps_the_old_one(gql):
    city = town()
    bread = variant(shop(city, "bakery"), stock=5)
    checkout = _create(gql, city, line(bread, 2))["checkout"]
    data = gql.execute(LINES_UPDATE, {"id": checkout["id"], "lines": [line(bread, 6)]})[
        "checkoutLinesUpdate"
    ]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("lines", "INSUFFICIENT_STOCK")]
    assert list(Reservation.objects.values_list("quantity", flat=True)) == [2]


def test_variant_quantity_available_counts_reservations(gql):
    from tests.checkout.helpers import gid

    city = town()
    bread = variant(shop(city, "bakery"), stock=5)
    _create(gql, city, line(bread, 2))
    data = gql.execute(QUANTITY, {"id": gid("Variant", bread.pk)})
    assert data["node"]["quantityAvailable"] == 3


def test_purge_task_deletes_only_expired_reservations(gql):
    city = town()
    bakery = shop(city, "bakery")
    _create(gql, city, line(variant(bakery), 1))
    _create(gql, city, line(variant(bakery), 1))
    first = Reservation.objects.order_by("pk").first()
    Reservation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert purge_expired_reservations() == 1
    assert purge_expired_reservations() == 0
    assert Reservation.objects.count() == 1
