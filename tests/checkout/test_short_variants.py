"""INSUFFICIENT_STOCK says which variants are short (`variants` on CheckoutError), so that a
client can point at the lines to fix; other errors have no `variants`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.checkout.models import Reservation
from marketplace.orders.models import Order
from tests.checkout.helpers import gid, line, shop, town, variant
from vendors.models import Stock

pytestmark = pytest.mark.django_db

ERRORS = "errors { field code message variants }"
CREATE = (
    "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) {"
    " checkout { id } ERRORS } }"
).replace("ERRORS", ERRORS)
LINES_ADD = (
    "mutation($id: ID!, $lines: [CheckoutLineInput!]!) {"
    " checkoutLinesAdd(id: $id, lines: $lines) { ERRORS } }"
).replace("ERRORS", ERRORS)
LINES_UPDATE = (
    "mutation($id: ID!, $lines: [CheckoutLineInput!]!) {"
    " checkoutLinesUpdate(id: $id, lines: $lines) { ERRORS } }"
).replace("ERRORS", ERRORS)
COMPLETE = "mutation($id: ID!) { checkoutComplete(id: $id) { order { id } ERRORS } }".replace(
    "ERRORS", ERRORS
)


def _checkout(gql, city, *lines):
    data = gql.execute(
        CREATE, {"input": {"town": city.slug, "email": "a@example.org", "lines": list(lines)}}
    )["checkoutCreate"]
    assert data["errors"] == []
    return data["checkout"]["id"]


def _short(errors):
    return [(e["field"], e["code"], sorted(e["variants"] or [])) for e in errors]


@pytest.fixture
def goods():
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00")})
    cheese = shop(city, "cheese", {"pickup": Decimal("0.00")})
    return city, variant(bakery, stock=5), variant(bakery, stock=5), variant(cheese, stock=5)


def test_lines_add_names_only_the_short_variants(gql, goods):
    # given a checkout holding 2 breads, and 5 of each variant in stock
    city, bread, cake, brie = goods
    checkout_id = _checkout(gql, city, line(bread, 2))
    # when adding 4 breads (6 in all), 1 cake and 6 bries
    data = gql.execute(
        LINES_ADD, {"id": checkout_id, "lines": [line(bread, 4), line(cake, 1), line(brie, 6)]}
    )["checkoutLinesAdd"]
    # then the bread and the brie are named, not the cake; nothing changed
    assert _short(data["errors"]) == [
        ("lines", "INSUFFICIENT_STOCK", sorted([gid("Variant", bread.pk), gid("Variant", brie.pk)]))
    ]
    assert list(Reservation.objects.values_list("variant_id", "quantity")) == [(bread.pk, 2)]


def test_lines_update_names_the_short_variant(gql, goods):
    city, bread, cake, _brie = goods
    checkout_id = _checkout(gql, city, line(bread, 2), line(cake, 2))
    data = gql.execute(LINES_UPDATE, {"id": checkout_id, "lines": [line(cake, 9)]})[
        "checkoutLinesUpdate"
    ]
    assert _short(data["errors"]) == [("lines", "INSUFFICIENT_STOCK", [gid("Variant", cake.pk)])]


def test_complete_names_the_variants_sold_meanwhile(gql, goods):
    # given a checkout of three variants whose reservations expired, and two of them sold since
    city, bread, cake, brie = goods
    checkout_id = _checkout(gql, city, line(bread, 2), line(cake, 2), line(brie, 2))
    Reservation.objects.update(expires_at="2000-01-01T00:00:00Z")
    Stock.objects.filter(variant__in=[bread, brie]).update(quantity_allocated=4)
    # when completing
    data = gql.execute(COMPLETE, {"id": checkout_id})["checkoutComplete"]
    # then the two are named, and nothing was allocated nor ordered
    assert data["order"] is None
    assert _short(data["errors"]) == [
        ("lines", "INSUFFICIENT_STOCK", sorted([gid("Variant", bread.pk), gid("Variant", brie.pk)]))
    ]
    assert Order.objects.count() == 0
    allocated = dict(Stock.objects.values_list("variant_id", "quantity_allocated"))
    assert allocated == {bread.pk: 4, cake.pk: 0, brie.pk: 4}


def test_other_errors_have_no_variants(gql, goods):
    city, bread, _cake, _brie = goods
    checkout_id = _checkout(gql, city, line(bread, 1))
    data = gql.execute(LINES_ADD, {"id": checkout_id, "lines": [line(bread, 0)]})[
        "checkoutLinesAdd"
    ]
    assert [(e["code"], e["variants"]) for e in data["errors"]] == [("INVALID_QUANTITY", None)]
