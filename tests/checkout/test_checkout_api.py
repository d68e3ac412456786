"""Checkout through the GraphQL API: lines, shop groups, delivery, totals, VAT, coded errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.checkout.models import Checkout, CheckoutLine, Reservation
from tests.checkout.helpers import (
    CREATE,
    DELIVERY,
    EMAIL,
    LINE_DELETE,
    LINES_ADD,
    LINES_UPDATE,
    QUERY,
    food,
    gid,
    line,
    shop,
    town,
    variant,
)
from tests.factories import UserFactory
from vendors.models import VendorStatus
from vendors.products import product_publish

pytestmark = pytest.mark.django_db


def test_guest_creates_a_checkout_grouped_by_shop_with_server_totals(gql):
    # given two shops of a town, one offering pickup, one only deliveries
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00"), "local_delivery": Decimal("3.50")})
    books = shop(city, "books", {"shipping": Decimal("6.00"), "local_delivery": Decimal("4.90")})
    bread = variant(bakery, price="2.35", product__category=food())
    novel = variant(books, price="19.99")
    # when a guest creates a checkout with both
    data = gql.execute(
        CREATE,
        {
            "input": {
                "town": "montpellier",
                "email": "guest@example.org",
                "lines": [line(bread, 3), line(novel, 1)],
            }
        },
    )["checkoutCreate"]
    # then lines are grouped by shop, with the default delivery method of each shop
    assert data["errors"] == []
    checkout = data["checkout"]
    assert checkout["email"] == "guest@example.org"
    groups = checkout["shopGroups"]
    assert [g["vendor"]["slug"] for g in groups] == ["bakery", "books"]
    assert [g["deliveryMethod"] for g in groups] == ["PICKUP", "LOCAL_DELIVERY"]
    assert [g["deliveryFee"]["amount"] for g in groups] == ["0.00", "4.90"]
    assert [g["subtotal"]["amount"] for g in groups] == ["7.05", "19.99"]
    assert checkout["subtotal"] == {"amount": "27.04", "currency": "EUR"}
    assert checkout["deliveryTotal"] == {"amount": "4.90"}
    assert checkout["total"] == {"amount": "31.94", "currency": "EUR"}
    # VAT included: 7.05 x 5.5 / 105.5 = 0.3675 -> 0.37 ; 19.99 x 20 / 120 = 3.3316 -> 3.33
    assert [(li["vatRate"], li["vat"]["amount"]) for li in checkout["lines"]] == [
        ("5.50", "0.37"),
        ("20.00", "3.33"),
    ]
    # and the delivery fee carries the VAT of the goods it delivers: 4.90 x 20 / 120 -> 0.82
    assert [g["vat"]["amount"] for g in groups] == ["0.37", "4.15"]
    assert checkout["vat"] == {"amount": "4.52"}
    assert checkout["reservedUntil"] is not None
    assert Reservation.objects.count() == 2


def test_logged_in_checkout_belongs_to_its_user_only(gql):
    # given a customer's checkout
    city = town()
    bakery = shop(city, "bakery")
    bread = variant(bakery)
    alice = UserFactory(email="alice@example.org")
    created = gql.login(alice).execute(
        CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}}
    )["checkoutCreate"]["checkout"]
    assert created["email"] == "alice@example.org"
    assert Checkout.objects.get().user == alice
    # when another user, then a guest, try to touch it
    bob = UserFactory(email="bob@example.org")
    as_bob = gql.login(bob).execute(LINES_ADD, {"id": created["id"], "lines": [line(bread, 1)]})
    as_guest = gql.logout().execute(QUERY, {"id": created["id"]})
    # then they are refused and nothing changed
    assert as_bob["checkoutLinesAdd"]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert as_guest["checkout"] is None
    assert CheckoutLine.objects.get().quantity == 1
    assert gql.login(alice).execute(QUERY, {"id": created["id"]})["checkout"]["id"] == created["id"]


def test_guest_checkout_is_reached_by_its_id_or_bare_uuid(gql):
    city = town()
    bread = variant(shop(city, "bakery"))
    created = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 2)]}})[
        "checkoutCreate"
    ]["checkout"]
    by_gid = gql.execute(QUERY, {"id": created["id"]})["checkout"]
    by_uuid = gql.execute(QUERY, {"id": created["token"]})["checkout"]
    unknown = gql.execute(QUERY, {"id": "00000000-0000-0000-0000-000000000000"})["checkout"]
    assert by_gid["total"]["amount"] == "20.00"
    assert by_uuid["id"] == created["id"]
    assert unknown is None


@pytest.mark.parametrize(
    ("make_line", "code"),
    [
        (lambda v, other, pending: line(v, 0), "INVALID_QUANTITY"),
        (lambda v, other, pending: line(v, -2), "INVALID_QUANTITY"),
        (lambda v, other, pending: line(v, 11), "INSUFFICIENT_STOCK"),
        (lambda v, other, pending: line(other, 1), "WRONG_TOWN"),
        (lambda v, other, pending: line(pending, 1), "VARIANT_NOT_AVAILABLE"),
        (
            lambda v, other, pending: {"variantId": gid("Variant", 999999), "quantity": 1},
            "NOT_FOUND",
        ),
        (lambda v, other, pending: {"variantId": gid("Product", v.pk), "quantity": 1}, "INVALID"),
    ],
)
def test_bad_lines_are_refused_with_a_code_and_change_nothing(gql, make_line, code):
    # given a variant with stock 10, one of another town, one of a pending shop
    city = town()
    good = variant(shop(city, "bakery"), stock=10)
    elsewhere = variant(shop(town("sete"), "fishmonger"))
    pending = variant(shop(city, "newcomer", status=VendorStatus.PENDING))
    # when a checkout is created with a bad line
    data = gql.execute(
        CREATE, {"input": {"town": city.slug, "lines": [make_line(good, elsewhere, pending)]}}
    )["checkoutCreate"]
    # then a coded error and no checkout at all
    assert data["checkout"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("lines", code)]
    assert Checkout.objects.count() == 0
    assert Reservation.objects.count() == 0


def test_an_unpublished_product_cannot_be_added(gql):
    # given a checkout with bread, and a product its shop unpublished
    city = town()
    bakery = shop(city, "bakery")
    bread = variant(bakery, stock=10)
    hidden = variant(bakery, stock=10)
    product_publish(user=None, product_id=hidden.product_id, published=False)
    created = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}})[
        "checkoutCreate"
    ]
    # when the unpublished product is added, at creation or later
    refused = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(hidden, 1)]}})[
        "checkoutCreate"
    ]
    added = gql.execute(LINES_ADD, {"id": created["checkout"]["id"], "lines": [line(hidden, 1)]})[
        "checkoutLinesAdd"
    ]
    # then a coded error, and the checkout keeps only its bread
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("lines", "VARIANT_NOT_AVAILABLE")
    ]
    assert [(e["field"], e["code"]) for e in added["errors"]] == [
        ("lines", "VARIANT_NOT_AVAILABLE")
    ]
    assert list(CheckoutLine.objects.values_list("variant_id", flat=True)) == [bread.pk]
    assert Checkout.objects.count() == 1


def test_unknown_town_is_a_coded_error(gql):
    data = gql.execute(CREATE, {"input": {"town": "atlantis", "lines": []}})["checkoutCreate"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("town", "NOT_FOUND")]


def test_lines_add_update_and_delete(gql):
    # given a checkout with 2 breads
    city = town()
    bakery = shop(city, "bakery")
    bread = variant(bakery, price="2.00")
    cake = variant(bakery, price="15.00")
    checkout = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 2)]}})[
        "checkoutCreate"
    ]["checkout"]
    # when adding one more bread and a cake
    added = gql.execute(LINES_ADD, {"id": checkout["id"], "lines": [line(bread, 1), line(cake, 1)]})
    # then quantities add up
    lines = added["checkoutLinesAdd"]["checkout"]["lines"]
    assert [(li["variant"]["sku"], li["quantity"]) for li in lines] == [
        (bread.sku, 3),
        (cake.sku, 1),
    ]
    # when setting bread to 0 and cake to 2: bread goes away
    updated = gql.execute(
        LINES_UPDATE, {"id": checkout["id"], "lines": [line(bread, 0), line(cake, 2)]}
    )["checkoutLinesUpdate"]["checkout"]
    assert [(li["variant"]["sku"], li["quantity"]) for li in updated["lines"]] == [(cake.sku, 2)]
    assert updated["total"]["amount"] == "30.00"
    assert list(Reservation.objects.values_list("variant_id", "quantity")) == [(cake.pk, 2)]
    # when deleting the cake line
    deleted = gql.execute(LINE_DELETE, {"id": checkout["id"], "lineId": updated["lines"][0]["id"]})
    # then the checkout is empty and holds no stock
    assert deleted["checkoutLineDelete"]["checkout"]["lines"] == []
    assert deleted["checkoutLineDelete"]["checkout"]["total"]["amount"] == "0.00"
    assert Reservation.objects.count() == 0


def test_line_delete_of_unknown_line_is_a_coded_error(gql):
    city = town()
    bread = variant(shop(city, "bakery"))
    checkout = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}})[
        "checkoutCreate"
    ]["checkout"]
    data = gql.execute(LINE_DELETE, {"id": checkout["id"], "lineId": gid("CheckoutLine", 424242)})
    assert [(e["field"], e["code"]) for e in data["checkoutLineDelete"]["errors"]] == [
        ("lineId", "NOT_FOUND")
    ]


def test_delivery_method_limited_to_what_the_shop_offers(gql):
    # given a shop offering pickup and local delivery
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00"), "local_delivery": Decimal("3.50")})
    bread = variant(bakery, price="2.00")
    checkout = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}})[
        "checkoutCreate"
    ]["checkout"]
    vendor_id = gid("Vendor", bakery.pk)
    # when choosing local delivery, then shipping
    chosen = gql.execute(
        DELIVERY, {"id": checkout["id"], "vendor": vendor_id, "method": "LOCAL_DELIVERY"}
    )["checkoutDeliveryMethodUpdate"]
    refused = gql.execute(
        DELIVERY, {"id": checkout["id"], "vendor": vendor_id, "method": "SHIPPING"}
    )["checkoutDeliveryMethodUpdate"]
    # then the fee follows the choice, and an unoffered method is refused
    group = chosen["checkout"]["shopGroups"][0]
    assert (group["deliveryMethod"], group["deliveryFee"]["amount"]) == ("LOCAL_DELIVERY", "3.50")
    assert chosen["checkout"]["total"]["amount"] == "5.50"
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("method", "DELIVERY_METHOD_NOT_OFFERED")
    ]


def test_email_update_validates(gql):
    city = town()
    bread = variant(shop(city, "bakery"))
    checkout = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}})[
        "checkoutCreate"
    ]["checkout"]
    bad = gql.execute(EMAIL, {"id": checkout["id"], "email": "nope"})["checkoutEmailUpdate"]
    good = gql.execute(EMAIL, {"id": checkout["id"], "email": "me@example.org"})
    assert [e["code"] for e in bad["errors"]] == ["INVALID"]
    assert good["checkoutEmailUpdate"]["checkout"]["email"] == "me@example.org"


def test_any_address_the_validator_accepts_is_stored_and_a_longer_one_refused(gql):
    # given the longest address email validation accepts (320 characters) and one more
    city = town()
    bread = variant(shop(city, "bakery"))
    longest = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + "." + "c" * 63
    assert len(longest) == 320

    def create(email):
        return gql.execute(
            CREATE, {"input": {"town": city.slug, "email": email, "lines": [line(bread, 1)]}}
        )["checkoutCreate"]

    # then the first is kept whole (never a database error), the second is a coded error
    kept = create(longest)
    assert kept["errors"] == [] and kept["checkout"]["email"] == longest
    assert [e["code"] for e in create("a" + longest)["errors"]] == ["INVALID"]


def test_checkout_query_count_is_pinned(gql, django_assert_num_queries):
    # given a checkout with lines of three shops
    city = town()
    lines = []
    for slug in ("a", "b", "c"):
        vendor = shop(city, slug)
        lines += [line(variant(vendor), 1), line(variant(vendor), 2)]
    checkout = gql.execute(CREATE, {"input": {"town": city.slug, "lines": lines}})[
        "checkoutCreate"
    ]["checkout"]
    # then reading it costs a fixed number of queries: checkout with town, lines with variants,
    # the shops' methods flagged with the delivery choices, the reservations
    with django_assert_num_queries(4):
        data = gql.execute(QUERY, {"id": checkout["id"]})
    assert len(data["checkout"]["lines"]) == 6
