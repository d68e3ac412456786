"""Fixtures of the merchant tests: two shops of one town and their people (helpers: helpers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import (
    CategoryFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VendorFactory,
    VendorMemberFactory,
)
from vendors.models import VendorRole


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    town: Any
    category: Any
    other_category: Any
    shop_a: Any
    shop_b: Any
    owner_a: Any
    staff_a: Any
    owner_b: Any
    customer: Any
    town_staff: Any


@pytest.fixture
def world(db: Any) -> World:
    town = TownFactory(slug="montpellier", currency="EUR")
    shop_a = VendorFactory(town=town, slug="fromagerie", name="Fromagerie")
    shop_b = VendorFactory(town=town, slug="boulangerie", name="Boulangerie")
    owner_a = UserFactory(email="owner-a@example.org")
    staff_a = UserFactory(email="staff-a@example.org")
    owner_b = UserFactory(email="owner-b@example.org")
    VendorMemberFactory(vendor=shop_a, user=owner_a, role=VendorRole.OWNER)
    VendorMemberFactory(vendor=shop_a, user=staff_a, role=VendorRole.STAFF)
    VendorMemberFactory(vendor=shop_b, user=owner_b, role=VendorRole.OWNER)
    town_staff = TownStaffFactory(town=town, user=UserFactory(email="asso@example.org")).user
    return World(
        town=town,
        category=CategoryFactory(slug="fromages", name="Fromages"),
        other_category=CategoryFactory(slug="pains", name="Pains"),
        shop_a=shop_a,
        shop_b=shop_b,
        owner_a=owner_a,
        staff_a=staff_a,
        owner_b=owner_b,
        customer=UserFactory(email="client@example.org"),
        town_staff=town_staff,
    )
