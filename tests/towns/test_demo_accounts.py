"""The demo's accounts: the association, each shop's owner, a customer, and one application waiting."""

import pytest
from django.contrib.auth import authenticate

from marketplace.towns.demo import DEMO_APPLICATION, DEMO_PASSWORD, demo_accounts_setup
from marketplace.towns.loading import load_towns
from marketplace.towns.models import TownStaff, TownStaffRole
from vendors.models import Vendor, VendorMember, VendorRole, VendorStatus

pytestmark = pytest.mark.django_db


def test_the_demo_accounts_log_in_and_each_town_has_one_application_waiting(towns_data):
    load_towns(towns_data)

    demo_accounts_setup()
    demo_accounts_setup()  # twice changes nothing

    assert authenticate(email="association@rennes.demo", password=DEMO_PASSWORD) is not None
    assert TownStaff.objects.get(user__email="association@rennes.demo").role == TownStaffRole.ADMIN
    waiting = Vendor.objects.filter(slug=DEMO_APPLICATION["slug"])
    assert waiting.count() == 4
    assert {v.status for v in waiting} == {VendorStatus.PENDING}
    rennes = waiting.get(town__slug="rennes")
    member = VendorMember.objects.get(vendor=rennes)
    assert (member.user.email, member.role) == ("candidat@rennes.demo", VendorRole.OWNER)
