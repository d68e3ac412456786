from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.contact import checkout_contact_update
from marketplace.checkout.lines import LineInput, checkout_create
from tests.checkout.helpers import shop, town, variant


@pytest.fixture(autouse=True)
def dummy_gateway(settings: Any) -> None:
    """Checkout and order logic is tested on the dummy gateway (paid at once)."""
    settings.PAYMENT_GATEWAY = "dummy"


@pytest.fixture
def two_shop_order(dummy_gateway: None) -> tuple[Any, Any, Any]:
    """A paid order of 2 breads (bakery) and 1 cheese (cheese shop, local delivery): (order,
    bread, cheese)."""
    city = town()
    bread = variant(shop(city, "bakery"), stock=10)
    cheese = variant(shop(city, "cheese", {"local_delivery": Decimal("2.00")}), stock=10)
    checkout = checkout_create(
        town_slug=city.slug,
        email="a@example.org",
        lines=[LineInput(bread.pk, 2), LineInput(cheese.pk, 1)],
        user=AnonymousUser(),
    )
    # The cheese shop delivers: an address is required to order.
    checkout_contact_update(
        checkout_id=checkout.pk,
        user=AnonymousUser(),
        email="a@example.org",
        customer_name="Camille Martin",
        delivery_address="3 rue des Halles\n35000 Rennes",
    )
    return checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order, bread, cheese


@pytest.fixture
def three_shop_order(dummy_gateway: None) -> tuple[Any, list[Any]]:
    """A paid order of one item from each of three shops (pickup), for client@example.org:
    (order, its shops in the order of their shop orders)."""
    city = town()
    shops = [shop(city, slug) for slug in ("bakery", "cheese", "greengrocer")]
    checkout = checkout_create(
        town_slug=city.slug,
        email="client@example.org",
        lines=[LineInput(variant(s, stock=5).pk, 1) for s in shops],
        user=AnonymousUser(),
    )
    order = checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order
    return order, sorted(shops, key=lambda s: s.pk)
