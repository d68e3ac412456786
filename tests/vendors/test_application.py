"""A visitor applies with a new account: both are created, or neither."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import User
from tests.factories import TownFactory, VendorFactory
from vendors.application import vendor_apply_with_account
from vendors.models import Vendor, VendorRole

pytestmark = pytest.mark.django_db


def test_the_account_owns_the_pending_shop() -> None:
    town = TownFactory()

    user, vendor = vendor_apply_with_account(
        email="Nina@Example.org",
        password="un-mot-de-passe-solide-42",
        town_id=town.pk,
        data={"name": "Chez Nina"},
    )

    assert (vendor.status, vendor.slug, vendor.email) == (
        "pending",
        "chez-nina",
        "nina@example.org",
    )
    assert vendor.members.get().user == user
    assert vendor.members.get().role == VendorRole.OWNER


def test_a_shop_error_creates_no_account() -> None:
    town = TownFactory()
    VendorFactory(town=town, slug="chez-nina")

    with pytest.raises(ValidationError) as error:
        vendor_apply_with_account(
            email="nina@example.org",
            password="un-mot-de-passe-solide-42",
            town_id=town.pk,
            data={"name": "Chez Nina"},
        )

    assert error.value.error_dict["slug"][0].code == "UNIQUE"
    assert not User.objects.filter(email="nina@example.org").exists()
    assert Vendor.objects.filter(town=town).count() == 1


def test_a_weak_password_creates_nothing() -> None:
    town = TownFactory()

    with pytest.raises(ValidationError) as error:
        vendor_apply_with_account(
            email="nina@example.org", password="123", town_id=town.pk, data={"name": "Chez Nina"}
        )

    assert "password" in error.value.error_dict
    assert not Vendor.objects.filter(town=town).exists()
