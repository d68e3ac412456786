"""Item 6 of issue #15: one checkout cannot hoard a shop's stock (caps set by the town), and one
client cannot open checkout after checkout (a rate in the shared cache)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.checkout.models import CheckoutLine, Reservation
from marketplace.towns.models import TownStaffRole
from tests.checkout.helpers import CREATE, LINES_ADD, LINES_UPDATE, line, shop, town, variant
from tests.factories import TownStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = """mutation($town: String!, $input: TownSettingsUpdateInput!) {
  townSettingsUpdate(town: $town, input: $input) {
    townSettings { checkoutMaxUnitsPerVariant checkoutMaxUnits } errors { field code } } }"""


@pytest.fixture
def market():
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00")})
    return city, variant(bakery, stock=500), variant(bakery, stock=500)


def _codes(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


def test_one_checkout_cannot_reserve_a_shop_s_whole_stock(gql, market):
    city, bread, cake = market

    hoard = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 500)]}})
    checkout = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 50)]}})
    checkout_id = checkout["checkoutCreate"]["checkout"]["id"]
    more = gql.execute(LINES_ADD, {"id": checkout_id, "lines": [line(bread, 1)]})
    total = gql.execute(
        LINES_UPDATE, {"id": checkout_id, "lines": [line(bread, 50), line(cake, 50)]}
    )

    assert _codes(hoard["checkoutCreate"]) == [("lines", "CHECKOUT_LIMIT_EXCEEDED")]
    assert _codes(more["checkoutLinesAdd"]) == [("lines", "CHECKOUT_LIMIT_EXCEEDED")]
    assert _codes(total["checkoutLinesUpdate"]) == []  # 100 units in all: within 200
    assert Reservation.objects.filter(variant=bread).values_list("quantity", flat=True).get() == 50
    assert CheckoutLine.objects.filter(variant=bread).count() == 1  # the refused one left nothing


def test_the_town_sets_the_caps(gql, market):
    city, bread, cake = market
    admin = UserFactory(email="admin@example.org")
    TownStaffFactory(town=city, user=admin, role=TownStaffRole.ADMIN)

    changed = gql.login(admin).execute(
        SETTINGS,
        {"town": city.slug, "input": {"checkoutMaxUnitsPerVariant": 5, "checkoutMaxUnits": 8}},
    )["townSettingsUpdate"]
    wrong = gql.execute(SETTINGS, {"town": city.slug, "input": {"checkoutMaxUnits": 0}})[
        "townSettingsUpdate"
    ]
    six = gql.logout().execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 6)]}})
    nine = gql.execute(
        CREATE, {"input": {"town": city.slug, "lines": [line(bread, 5), line(cake, 4)]}}
    )
    five = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 5)]}})

    assert changed == {
        "townSettings": {"checkoutMaxUnitsPerVariant": 5, "checkoutMaxUnits": 8},
        "errors": [],
    }
    assert _codes(wrong) == [("checkoutMaxUnits", "INVALID")]
    assert _codes(six["checkoutCreate"]) == [("lines", "CHECKOUT_LIMIT_EXCEEDED")]
    assert _codes(nine["checkoutCreate"]) == [("lines", "CHECKOUT_LIMIT_EXCEEDED")]
    assert _codes(five["checkoutCreate"]) == []


def test_checkout_creation_is_rate_limited_per_client(gql, market, settings, client):
    city, _bread, _cake = market
    settings.CHECKOUT_CREATE_RATE_LIMIT = "3/h"
    create = {"input": {"town": city.slug}}

    codes = [_codes(gql.execute(CREATE, create)["checkoutCreate"]) for _ in range(4)]
    someone_else = gql.login(UserFactory()).execute(CREATE, create)["checkoutCreate"]

    assert codes == [[], [], [], [("town", "RATE_LIMITED")]]
    assert _codes(someone_else) == []  # a logged-in customer counts as themself
