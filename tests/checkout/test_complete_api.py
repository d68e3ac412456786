"""checkoutComplete through the GraphQL API: order, shop orders, snapshots, money, idempotency."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from marketplace.checkout import complete
from marketplace.checkout.models import Checkout, Reservation
from marketplace.orders.models import Order, OrderLine, ShopOrder
from payments.models import Payment
from tests.checkout.helpers import (
    COMPLETE,
    CREATE,
    ORDER_FIELDS,
    food,
    line,
    shop,
    town,
    variant,
)
from tests.factories import UserFactory
from vendors.models import Stock, VendorStatus
from vendors.products import product_publish

pytestmark = pytest.mark.django_db

ORDER_BY_TOKEN = "query($token: UUID!) { orderByToken(token: $token) { " + ORDER_FIELDS + " } }"
ORDER = "query($id: ID!, $token: UUID) { order(id: $id, token: $token) { id number } }"
ADDRESS = "3 rue de la Loge\n34000 Montpellier"
ME_ORDERS = "{ me { email orders(first: 10) { totalCount edges { node { id number } } } } }"


def _three_shop_checkout(gql, *, email="guest@example.org"):
    city = town()
    bakery = shop(city, "bakery", {"pickup": Decimal("0.00")})
    books = shop(city, "books", {"shipping": Decimal("6.00"), "local_delivery": Decimal("4.90")})
    cheese = shop(city, "cheese", {"local_delivery": Decimal("3.33")})
    bread = variant(bakery, price="2.35", stock=10, product__category=food())
    novel = variant(books, price="19.99", stock=5)
    brie = variant(cheese, price="7.77", stock=4, product__category=food())
    data = gql.execute(
        CREATE,
        {
            "input": {
                "town": city.slug,
                "email": email,
                "lines": [line(bread, 3), line(novel, 2), line(brie, 1)],
            }
        },
    )["checkoutCreate"]
    assert data["errors"] == []
    _give_address(data["checkout"])
    return data["checkout"], (bread, novel, brie)


def _give_address(checkout):
    """The books and cheese shops deliver: the checkout has the address they need (given
    through checkoutContactUpdate in test_contact_api.py)."""
    Checkout.objects.filter(pk=checkout["token"]).update(delivery_address=ADDRESS)


def test_guest_completes_a_three_shop_checkout_and_the_money_adds_up(gql):
    # given a guest checkout over three shops
    checkout, (bread, novel, brie) = _three_shop_checkout(gql)
    # when it is completed
    data = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    # then one paid order with one shop order per shop (dummy gateway)
    assert data["errors"] == []
    assert data["payment"] == {"gateway": "dummy", "status": "succeeded", "clientSecret": None}
    assert Payment.objects.get().fee == Decimal("0.00")  # the dummy gateway charges no fee
    order = data["order"]
    assert order["status"] == "PAID"
    assert re.fullmatch(r"MP-\d{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", order["number"])
    assert order["token"] is not None
    shop_orders = order["shopOrders"]
    assert [s["vendor"]["slug"] for s in shop_orders] == ["bakery", "books", "cheese"]
    assert [s["status"] for s in shop_orders] == ["PAID", "PAID", "PAID"]
    assert [s["subtotal"]["amount"] for s in shop_orders] == ["7.05", "39.98", "7.77"]
    assert [s["deliveryFee"]["amount"] for s in shop_orders] == ["0.00", "4.90", "3.33"]
    # 5 % of goods, half-up: 0.3525 -> 0.35, 1.999 -> 2.00, 0.3885 -> 0.39
    assert [s["commission"]["amount"] for s in shop_orders] == ["0.35", "2.00", "0.39"]
    assert [s["payout"]["amount"] for s in shop_orders] == ["6.70", "42.88", "10.71"]
    assert order["subtotal"]["amount"] == "54.80"
    assert order["deliveryTotal"]["amount"] == "8.23"
    assert order["total"] == {"amount": "63.03", "currency": "EUR"}
    total = Decimal(order["total"]["amount"])
    assert total == sum(
        Decimal(s["subtotal"]["amount"]) + Decimal(s["deliveryFee"]["amount"]) for s in shop_orders
    )
    assert total == sum(
        Decimal(s["payout"]["amount"]) + Decimal(s["commission"]["amount"]) for s in shop_orders
    )
    # and the lines snapshot names, SKU, prices, category and VAT
    bakery_lines = shop_orders[0]["lines"]
    assert bakery_lines == [
        {
            "sku": bread.sku,
            "productName": bread.product.name,
            "quantity": 3,
            "unitPrice": {"amount": "2.35"},
            "total": {"amount": "7.05"},
            "vatRate": "5.50",
            "vatAmount": {"amount": "0.37"},
            "categorySlug": "food",
        }
    ]
    # and each shop order's VAT breakdown covers its goods and its delivery fee (39.98 + 4.90)
    assert shop_orders[1]["vatBreakdown"] == [
        {
            "rate": "20.00",
            "base": {"amount": "37.40"},
            "vat": {"amount": "7.48"},
            "total": {"amount": "44.88"},
        }
    ]
    # and the stock is allocated, the checkout and its reservations gone
    assert [Stock.objects.get(variant=v).quantity_allocated for v in (bread, novel, brie)] == [
        3,
        2,
        1,
    ]
    assert Checkout.objects.count() == 0
    assert Reservation.objects.count() == 0
    assert OrderLine.objects.filter(quantity_allocated__gt=0).count() == 3


def test_completing_twice_returns_the_same_order(gql):
    checkout, _variants = _three_shop_checkout(gql)
    first = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    second = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert second["errors"] == []
    assert second["order"]["id"] == first["order"]["id"]
    assert second["payment"] is None
    assert Order.objects.count() == 1
    assert ShopOrder.objects.count() == 3


def test_the_new_order_is_answered_as_it_reads_back(gql):
    # given a three-shop checkout
    checkout, _variants = _three_shop_checkout(gql)
    # when it is completed (the answer built from the rows just written, not read back)
    order = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]["order"]
    # then the order read back afterwards is answered the same, field for field
    by_token = gql.execute(ORDER_BY_TOKEN, {"token": order["token"]})["orderByToken"]
    assert order == by_token
    assert [so["status"] for so in order["shopOrders"]] == ["PAID", "PAID", "PAID"]
    assert not Checkout.objects.exists()
    assert not Reservation.objects.exists()


def test_guest_follows_the_order_with_its_token(gql):
    checkout, _variants = _three_shop_checkout(gql)
    order = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]["order"]
    by_token = gql.execute(ORDER_BY_TOKEN, {"token": order["token"]})["orderByToken"]
    by_id_and_token = gql.execute(ORDER, {"id": order["id"], "token": order["token"]})["order"]
    by_id_alone = gql.execute(ORDER, {"id": order["id"]})["order"]
    assert by_token["number"] == order["number"]
    assert by_id_and_token["number"] == order["number"]
    assert by_id_alone is None


def test_logged_in_customer_sees_the_order_in_me_orders(gql):
    alice = UserFactory(email="alice@example.org")
    gql.login(alice)
    checkout, _variants = _three_shop_checkout(gql, email=None)
    order = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]["order"]
    me = gql.execute(ME_ORDERS)["me"]
    assert me["orders"]["totalCount"] == 1
    assert me["orders"]["edges"][0]["node"]["number"] == order["number"]
    assert gql.execute(ORDER, {"id": order["id"]})["order"]["number"] == order["number"]
    assert Order.objects.get().email == "alice@example.org"
    bob = UserFactory(email="bob@example.org")
    assert gql.login(bob).execute(ORDER, {"id": order["id"]})["order"] is None
    again = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert [e["code"] for e in again["errors"]] == ["PERMISSION_DENIED"]


def test_empty_checkout_and_missing_email_are_coded_errors(gql):
    city = town()
    bread = variant(shop(city, "bakery"))
    empty = gql.execute(CREATE, {"input": {"town": city.slug, "email": "a@example.org"}})
    no_email = gql.execute(CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}})
    empty_result = gql.execute(COMPLETE, {"id": empty["checkoutCreate"]["checkout"]["id"]})
    no_email_result = gql.execute(COMPLETE, {"id": no_email["checkoutCreate"]["checkout"]["id"]})
    unknown = gql.execute(COMPLETE, {"id": "6b1d2b7c-0000-4000-8000-000000000000"})
    assert [(e["field"], e["code"]) for e in empty_result["checkoutComplete"]["errors"]] == [
        (None, "EMPTY_CHECKOUT")
    ]
    assert [(e["field"], e["code"]) for e in no_email_result["checkoutComplete"]["errors"]] == [
        ("email", "EMAIL_REQUIRED")
    ]
    assert [e["code"] for e in unknown["checkoutComplete"]["errors"]] == ["NOT_FOUND"]
    assert Order.objects.count() == 0
    assert Stock.objects.get(variant=bread).quantity_allocated == 0


def test_shop_suspended_after_adding_refuses_completion(gql):
    checkout, (bread, _novel, _brie) = _three_shop_checkout(gql)
    bread.vendor.status = VendorStatus.SUSPENDED
    bread.vendor.save(update_fields=["status"])
    data = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert [e["code"] for e in data["errors"]] == ["VARIANT_NOT_AVAILABLE"]
    assert Order.objects.count() == 0
    assert sum(Stock.objects.values_list("quantity_allocated", flat=True)) == 0


def test_product_unpublished_after_adding_refuses_completion(gql):
    checkout, (_bread, novel, _brie) = _three_shop_checkout(gql)
    product_publish(user=None, product_id=novel.product_id, published=False)
    data = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("lines", "VARIANT_NOT_AVAILABLE")]
    assert Order.objects.count() == 0
    assert sum(Stock.objects.values_list("quantity_allocated", flat=True)) == 0


def test_not_enough_stock_at_completion_changes_nothing(gql):
    # given a checkout whose reservation expired and stock sold to someone else meanwhile
    checkout, (bread, _novel, _brie) = _three_shop_checkout(gql)
    Reservation.objects.update(expires_at="2000-01-01T00:00:00Z")
    Stock.objects.filter(variant=bread).update(quantity_allocated=8)
    # when completing
    data = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    # then INSUFFICIENT_STOCK and nothing half-written
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("lines", "INSUFFICIENT_STOCK")]
    assert Order.objects.count() == 0
    assert list(Stock.objects.order_by("pk").values_list("quantity_allocated", flat=True)) == [
        8,
        0,
        0,
    ]
    assert Checkout.objects.count() == 1


def _second_checkout(gql, variants):
    """Another checkout of the same lines (the stock holds two of each)."""
    bread, novel, brie = variants
    data = gql.execute(
        CREATE,
        {
            "input": {
                "town": bread.vendor.town.slug,
                "email": "second@example.org",
                "lines": [line(bread, 3), line(novel, 2), line(brie, 1)],
            }
        },
    )["checkoutCreate"]
    assert data["errors"] == []
    _give_address(data["checkout"])
    return data["checkout"]


def test_checkout_complete_query_count_is_pinned(
    gql, django_assert_num_queries, no_keys_drawn_ahead
):
    checkout, variants = _three_shop_checkout(gql)
    second = _second_checkout(gql, variants)
    query = (
        "mutation($id: ID!) { checkoutComplete(id: $id) { order { id number status } "
        "errors { code } } }"
    )
    # 11 = the test's savepoint and its release 2
    # + the checkout's transaction 7: checkout lock, summary 2 (lines, fulfilment methods with the
    #   delivery choices), commission rules of all shops 1, the order (its number drawn before,
    #   its keys and those of its shop orders, lines and payment drawn ahead) with its shop
    #   orders, lines and payment (pending, no intent) inserted and the checkout with its
    #   children deleted in one statement 1, stock lock 1, allocation as one conditional UPDATE 1
    #   (no variant sold out: nothing for search)
    # + after its commit, the dummy gateway's payment 2: payment and order locked together 1;
    #   the payment succeeded with its intent, the 9 ledger rows, the order and its shop orders
    #   paid and the outbox row of the "order paid" emails, in one statement 1 (the shop orders
    #   just inserted are not read again).
    # The connection's first insert of orders draws their keys ahead: one statement more.
    with django_assert_num_queries(12):
        data = gql.execute(query, {"id": checkout["id"]})
    assert data["checkoutComplete"]["order"]["status"] == "PAID"
    with django_assert_num_queries(11):
        data = gql.execute(query, {"id": second["id"]})
    assert data["checkoutComplete"]["order"]["status"] == "PAID"


def test_checkout_complete_payload_query_count_is_pinned(
    gql, django_assert_num_queries, no_keys_drawn_ahead
):
    checkout, variants = _three_shop_checkout(gql)
    second = _second_checkout(gql, variants)
    gql.execute(COMPLETE, {"id": checkout["id"]})
    # The same: the shop orders, their shops and lines of the new order are the ones just written.
    with django_assert_num_queries(11):
        data = gql.execute(COMPLETE, {"id": second["id"]})
    assert len(data["checkoutComplete"]["order"]["shopOrders"]) == 3


def test_an_order_number_drawn_twice_is_drawn_again(gql, monkeypatch):
    # given an order whose number the next draw repeats
    first, (bread, _novel, _brie) = _three_shop_checkout(gql)
    taken = gql.execute(COMPLETE, {"id": first["id"]})["checkoutComplete"]["order"]["number"]
    second = gql.execute(
        CREATE,
        {
            "input": {
                "town": bread.vendor.town.slug,
                "email": "other@example.org",
                "lines": [line(bread, 1)],
            }
        },
    )["checkoutCreate"]["checkout"]
    draws = iter([taken, "MP-2026-NEW00-00001"])
    monkeypatch.setattr(complete, "order_number", lambda *, at: next(draws))
    # when completing another checkout
    data = gql.execute(COMPLETE, {"id": second["id"]})["checkoutComplete"]
    # then the number refused by the database is drawn again and the order placed once
    assert data["errors"] == []
    assert data["order"]["number"] == "MP-2026-NEW00-00001"
    assert set(Order.objects.values_list("number", flat=True)) == {taken, "MP-2026-NEW00-00001"}
    assert Checkout.objects.count() == 0
