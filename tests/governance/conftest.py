from __future__ import annotations

import pytest

from marketplace.towns.models import TownStaffRole
from tests.factories import TownFactory, TownStaffFactory, UserFactory


@pytest.fixture
def town(db):
    return TownFactory(slug="montpellier", name="Montpellier")


@pytest.fixture
def admin(town):
    user = UserFactory(email="admin@asso.example", first_name="Alice", last_name="Martin")
    TownStaffFactory(town=town, user=user, role=TownStaffRole.ADMIN)
    return user


@pytest.fixture
def moderator(town):
    user = UserFactory(email="modo@asso.example", first_name="Marc", last_name="Durand")
    TownStaffFactory(town=town, user=user, role=TownStaffRole.MODERATOR)
    return user
