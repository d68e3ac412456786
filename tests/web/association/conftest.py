"""Two towns, each with its association's staff: Rennes (an admin, a moderator) and Nancy (an admin)."""

from __future__ import annotations

import pytest

from marketplace.towns.models import TownStaffRole
from tests.factories import PASSWORD, TownFactory, TownStaffFactory, UserFactory


@pytest.fixture
def rennes(db):
    return TownFactory(slug="rennes", name="Rennes", timezone="Europe/Paris")


@pytest.fixture
def nancy(db):
    return TownFactory(slug="nancy", name="Nancy", timezone="Europe/Paris")


@pytest.fixture
def rennes_admin(rennes):
    user = UserFactory(email="association@rennes.demo")
    TownStaffFactory(town=rennes, user=user, role=TownStaffRole.ADMIN)
    return user


@pytest.fixture
def rennes_moderator(rennes):
    user = UserFactory(email="moderation@rennes.demo")
    TownStaffFactory(town=rennes, user=user, role=TownStaffRole.MODERATOR)
    return user


@pytest.fixture
def nancy_admin(nancy):
    user = UserFactory(email="association@nancy.demo")
    TownStaffFactory(town=nancy, user=user, role=TownStaffRole.ADMIN)
    return user


@pytest.fixture
def password():
    return PASSWORD
