"""checkoutComplete refuses a checkout whose shop delivers (local delivery or shipping) without a
delivery address, and changes nothing; pickup completes without one (and without a name)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from marketplace.checkout.models import Checkout
from marketplace.orders.models import Order, ShopOrder
from tests.checkout.helpers import ADDRESS, COMPLETE, DELIVERY, checkout_of, contact, gid
from vendors.models import Stock

pytestmark = pytest.mark.django_db


def _stock(bread: Any) -> tuple[int, int]:
    stock = Stock.objects.get(variant=bread)
    return (stock.quantity, stock.quantity_allocated)


def test_completion_of_a_delivering_checkout_without_address_is_refused_and_changes_nothing(gql):
    # given a checkout of a shop that only delivers, with an email but no address
    checkout, bread = checkout_of(gql, {"local_delivery": Decimal("3.00")})
    # when it is completed
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    # then it is refused on the address, and nothing was ordered nor allocated
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("deliveryAddress", "REQUIRED")]
    assert result["errors"][0]["message"] == (
        "Un commerce vous livre\u00a0: indiquez l’adresse de livraison."
    )
    assert result["order"] is None
    assert Order.objects.count() == 0
    assert ShopOrder.objects.count() == 0
    assert _stock(bread) == (5, 0)
    assert Checkout.objects.filter(pk=checkout["token"]).exists()


def test_a_method_changed_to_delivery_after_the_contact_needs_the_address_at_completion(gql):
    # given a contact given while the shop's default was pickup (the address was not kept)
    checkout, bread = checkout_of(
        gql, {"pickup": Decimal("0.00"), "local_delivery": Decimal("3.00")}
    )
    assert contact(gql, checkout)["checkout"]["deliveryAddress"] == ""
    # when the client then chooses the delivery and completes
    gql.execute(
        DELIVERY,
        {
            "id": checkout["id"],
            "vendor": gid("Vendor", bread.vendor_id),
            "method": "LOCAL_DELIVERY",
        },
    )
    refused = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    # then the address is asked for; given, the order is placed with it
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("deliveryAddress", "REQUIRED")]
    assert Order.objects.count() == 0
    assert contact(gql, checkout)["errors"] == []
    placed = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert placed["errors"] == []
    order = Order.objects.get()
    assert (order.customer_name, order.phone, order.delivery_address) == (
        "Camille Martin",
        "+33 6 12 34 56 78",
        ADDRESS,
    )
    assert _stock(bread) == (5, 2)


def test_pickup_completes_without_address_nor_name(gql):
    # given a pickup checkout with an email only (as API clients completed before)
    checkout, bread = checkout_of(gql)
    # when it is completed
    result = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    # then the order is placed
    assert result["errors"] == []
    assert result["order"]["status"] == "PAID"
    order = Order.objects.get()
    assert (order.customer_name, order.delivery_address) == ("", "")
    assert _stock(bread) == (5, 2)
