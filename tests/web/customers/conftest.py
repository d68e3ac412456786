"""A small town for the customers' pages: two shops (one pickup only, one that delivers for a fee),
products with stock, the database search backend (town-scoped, the same interface as the engine)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from marketplace.storefront import cart_views
from tests.database import real_deadlock
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    TownFactory,
    VariantFactory,
    VendorFactory,
)
from vendors.models import FulfilmentMethodName, Variant, Vendor

ALL_WEEK = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Shops:
    town: Any
    bakery: Vendor
    grocer: Vendor
    baguette: Variant
    honey_small: Variant
    honey_big: Variant
    other_town_variant: Variant


@pytest.fixture(autouse=True)
def _fast_and_local(settings: Any) -> None:
    settings.SEARCH_BACKEND = "database"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PAYMENT_GATEWAY = "dummy"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LOGIN_RATE_LIMIT = "1000/m"
    settings.LOGIN_ADDRESS_RATE_LIMIT = "1000/m"
    settings.CHECKOUT_CREATE_RATE_LIMIT = "1000/m"


@pytest.fixture
def shops(db: Any) -> Shops:
    town = TownFactory(slug="bourg", name="Bourg", center_latitude=45.0, center_longitude=5.0)
    bread = CategoryFactory(slug="pain", name="Pain", vat_rate=Decimal("5.50"))
    sweets = CategoryFactory(slug="epicerie", name="Épicerie", vat_rate=Decimal("5.50"))
    bakery = VendorFactory(
        town=town,
        slug="boulangerie",
        name="Boulangerie Dupain",
        postal_code="01000",
        city="Bourg",
        latitude=45.001,
        longitude=5.001,
        opening_hours=ALL_WEEK,
    )
    grocer = VendorFactory(
        town=town,
        slug="epicerie",
        name="Épicerie Miel",
        postal_code="01090",
        city="Montmerle",
        latitude=45.10,
        longitude=5.10,
        opening_hours={},
        methods={
            FulfilmentMethodName.PICKUP: Decimal("0.00"),
            FulfilmentMethodName.LOCAL_DELIVERY: Decimal("4.90"),
        },
    )
    baguette = VariantFactory(
        product=ProductFactory(
            vendor=bakery, slug="baguette", name="Baguette de tradition", category=bread
        ),
        price=Decimal("1.30"),
        stock=40,
    )
    honey = ProductFactory(vendor=grocer, slug="miel", name="Miel de châtaignier", category=sweets)
    honey_small = VariantFactory(product=honey, name="250 g", price=Decimal("6.50"), stock=5)
    honey_big = VariantFactory(
        product=honey, name="1 kg", price=Decimal("19.00"), stock=2, position=1
    )
    elsewhere = VendorFactory(
        town=TownFactory(slug="ailleurs", name="Ailleurs"), slug="boulangerie"
    )
    other = VariantFactory(product=ProductFactory(vendor=elsewhere, category=bread), stock=10)
    return Shops(town, bakery, grocer, baguette, honey_small, honey_big, other)


@pytest.fixture
def stripe(settings: Any) -> Any:
    """Stripe on stripe-mock (as tests/payments does): the payment stays pending."""
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or "http://127.0.0.1:12111"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_123"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return settings


@pytest.fixture
def cart_add_deadlocked(monkeypatch: Any) -> None:
    """Adding to a cart meets a real deadlock: PostgreSQL ends the request's transaction to let
    another one go on (the service raises the error PostgreSQL raised)."""
    deadlock = real_deadlock()

    def ended(**_kwargs: Any) -> None:
        raise deadlock

    monkeypatch.setattr(cart_views, "checkout_create", ended)
