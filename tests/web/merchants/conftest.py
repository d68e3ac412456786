"""Merchants' back office fixtures: a town, two shops with their owners (paid orders: helpers.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from celery._state import _set_task_join_will_block

from marketplace.celery import app as celery_app
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    TownFactory,
    UserFactory,
    VendorFactory,
    VendorMemberFactory,
)


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


@pytest.fixture
def login(client: Any) -> Any:
    def _login(user: Any) -> Any:
        assert client.login(email=user.email, password=PASSWORD)
        return client

    return _login
