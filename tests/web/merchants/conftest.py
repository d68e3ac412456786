"""Merchants' back office fixtures: a town, two shops with their owners, paid orders."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from celery._state import _set_task_join_will_block
from django.test import TestCase

from marketplace.celery import app as celery_app
from marketplace.orders.models import Order, ShopOrder
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    TownFactory,
    UserFactory,
    VendorFactory,
    VendorMemberFactory,
)
from tests.payments.factories import make_order, start_payment


@pytest.fixture(autouse=True)
def merchant_settings(settings: Any) -> Iterator[None]:
    """Dummy payments (paid at once), eager Celery, plain-HTTP cookies for the live server."""
    with contextlib.suppress(KeyError):
        del celery_app.conf.changes["task_always_eager"]
    settings.PAYMENT_GATEWAY = "dummy"
    settings.TRANSFER_TRIGGER = "fulfilment"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    _set_task_join_will_block(False)


@pytest.fixture
def town(db: Any) -> Any:
    return TownFactory(slug="sete", name="Sète", timezone="Europe/Paris")


@pytest.fixture
def category(db: Any) -> Any:
    return CategoryFactory(slug="epicerie", name="Épicerie", vat_rate=Decimal("5.50"))


@pytest.fixture
def owner(db: Any) -> Any:
    return UserFactory(email="marchande@example.org", first_name="Aline")


@pytest.fixture
def shop(town: Any, owner: Any) -> Any:
    vendor = VendorFactory(town=town, slug="la-criee", name="La Criée")
    VendorMemberFactory(vendor=vendor, user=owner)
    return vendor


@pytest.fixture
def other_owner(db: Any) -> Any:
    return UserFactory(email="voisin@example.org")


@pytest.fixture
def other_shop(town: Any, other_owner: Any) -> Any:
    vendor = VendorFactory(town=town, slug="le-fournil", name="Le Fournil")
    VendorMemberFactory(vendor=vendor, user=other_owner)
    return vendor


def paid_order(
    town: Any,
    shop: Any,
    *,
    goods: str = "20.00",
    fee: str = "0.00",
    commission: str = "1.00",
    email: str = "client@example.org",
) -> ShopOrder:
    """A paid order of one shop (dummy gateway), its stock allocated; returns the shop order."""
    order: Order = make_order(town, [(shop, goods, fee, commission)], email=email)
    with TestCase.captureOnCommitCallbacks(execute=True):
        start_payment(order)
    return ShopOrder.objects.get(order=order, vendor=shop)


@pytest.fixture
def login(client: Any) -> Any:
    def _login(user: Any) -> Any:
        assert client.login(email=user.email, password=PASSWORD)
        return client

    return _login
