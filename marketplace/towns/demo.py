"""Demo accounts (password "demo"), for `make demo` only."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.core.collation import FrenchOrder
from marketplace.governance.models import CommissionRule
from marketplace.towns.models import Town, TownStaff, TownStaffRole
from vendors.models import Vendor, VendorMember, VendorRole
from vendors.profile import vendor_apply

DEMO_PASSWORD = "demo"
DEMO_CUSTOMER = "client@demo.demo"
DEMO_COMMISSION = Decimal("5")
# One shop application per town waits for the association, so there is a decision to try.
DEMO_APPLICATION = {
    "name": "Atelier Vélo Solidaire",
    "slug": "atelier-velo-solidaire",
    "description": "Réparation et vente de vélos d'occasion, en attente de l'accord de l'association.",
}


def _user(email: str, *, first_name: str = "") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, first_name=first_name)
    return user


def demo_accounts_setup() -> list[tuple[str, str]]:
    """Creates (idempotently) the demo accounts; returns (email, what it is) pairs."""
    accounts: list[tuple[str, str]] = []
    with transaction.atomic():
        _user(DEMO_CUSTOMER, first_name="Camille")
        accounts.append((DEMO_CUSTOMER, "customer"))
        for town in Town.objects.order_by(FrenchOrder("name")):
            staff = _user(f"association@{town.slug}.demo", first_name="Association")
            TownStaff.objects.get_or_create(
                town=town, user=staff, defaults={"role": TownStaffRole.ADMIN}
            )
            accounts.append((staff.email, f"association staff (admin) of {town.name}"))
            if not CommissionRule.objects.filter(town=town, vendor=None, category=None).exists():
                CommissionRule.objects.create(
                    town=town, percentage=DEMO_COMMISSION, valid_from=timezone.now()
                )
        for vendor in Vendor.objects.select_related("town").order_by("town__name", "name"):
            owner = _user(vendor.email)
            VendorMember.objects.get_or_create(
                vendor=vendor, user=owner, defaults={"role": VendorRole.OWNER}
            )
            accounts.append((owner.email, f"owner of {vendor.name} ({vendor.town.name})"))
        for town in Town.objects.order_by(FrenchOrder("name")):
            if not Vendor.objects.filter(town=town, slug=DEMO_APPLICATION["slug"]).exists():
                applicant = _user(f"candidat@{town.slug}.demo", first_name="Candidat")
                vendor_apply(user=applicant, town_id=town.pk, data=dict(DEMO_APPLICATION))
                accounts.append((applicant.email, f"applicant of a pending shop in {town.name}"))
    return accounts
