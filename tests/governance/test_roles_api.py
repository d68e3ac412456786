"""townStaffGrant / townStaffRevoke / townStaff, through the API."""

import pytest

from marketplace.governance.models import AuditEntry
from marketplace.towns.models import TownStaff
from tests.factories import TownFactory, TownStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

GRANT = """mutation($town: String!, $email: String!, $role: TownStaffRole!) {
  townStaffGrant(town: $town, email: $email, role: $role) {
    townStaff { email role town { slug } } errors { field code } } }"""
REVOKE = """mutation($town: String!, $email: String!) { townStaffRevoke(town: $town, email: $email) {
  townStaff { email role } errors { field code } } }"""
STAFF = """query($town: String!) { townStaff(town: $town) { email role } }"""


def test_an_admin_grants_a_moderator_role(gql, admin):
    UserFactory(email="benevole@example.org")

    result = gql.login(admin).execute(
        GRANT, {"town": "montpellier", "email": "Benevole@Example.org", "role": "MODERATOR"}
    )["townStaffGrant"]

    assert result == {
        "townStaff": {
            "email": "benevole@example.org",
            "role": "MODERATOR",
            "town": {"slug": "montpellier"},
        },
        "errors": [],
    }
    staff = TownStaff.objects.get(user__email="benevole@example.org")
    assert (staff.role, staff.granted_by) == ("moderator", admin)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.is_public, entry.after) == (
        "town_staff.grant",
        False,
        {"email": "benevole@example.org", "role": "moderator"},
    )


def test_granted_moderators_can_then_act(gql, admin, town):
    from graphql_relay import to_global_id

    from tests.factories import VendorFactory
    from vendors.models import VendorStatus

    user = UserFactory(email="benevole@example.org")
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING)
    gql.login(admin).execute(
        GRANT, {"town": "montpellier", "email": user.email, "role": "MODERATOR"}
    )

    result = gql.login(user).execute(
        "mutation($id: ID!) { vendorApprove(id: $id) { vendor { status } errors { code } } }",
        {"id": to_global_id("Vendor", vendor.pk)},
    )

    assert result["vendorApprove"] == {"vendor": {"status": "APPROVED"}, "errors": []}


def test_a_moderator_cannot_grant_roles(gql, moderator):
    UserFactory(email="benevole@example.org")

    result = gql.login(moderator).execute(
        GRANT, {"town": "montpellier", "email": "benevole@example.org", "role": "ADMIN"}
    )["townStaffGrant"]

    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert TownStaff.objects.filter(user__email="benevole@example.org").count() == 0


def test_an_admin_of_one_town_has_no_power_in_another(gql, admin):
    TownFactory(slug="nancy")
    UserFactory(email="benevole@example.org")

    result = gql.login(admin).execute(
        GRANT, {"town": "nancy", "email": "benevole@example.org", "role": "ADMIN"}
    )["townStaffGrant"]

    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]


def test_a_superuser_grants_the_first_admin_of_any_town(gql):
    TownFactory(slug="nancy")
    root = UserFactory(email="root@example.org", is_superuser=True)
    UserFactory(email="president@example.org")

    result = gql.login(root).execute(
        GRANT, {"town": "nancy", "email": "president@example.org", "role": "ADMIN"}
    )["townStaffGrant"]

    assert result["errors"] == [] and result["townStaff"]["role"] == "ADMIN"


def test_granting_to_an_unknown_email_or_the_same_role_twice_is_refused(gql, admin, moderator):
    gql.login(admin)

    unknown = gql.execute(
        GRANT, {"town": "montpellier", "email": "nobody@example.org", "role": "MODERATOR"}
    )["townStaffGrant"]
    same = gql.execute(
        GRANT, {"town": "montpellier", "email": moderator.email, "role": "MODERATOR"}
    )["townStaffGrant"]

    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("email", "NOT_FOUND")]
    assert [(e["field"], e["code"]) for e in same["errors"]] == [("email", "ALREADY_STAFF")]
    assert AuditEntry.objects.count() == 0


def test_a_grant_changes_an_existing_role(gql, admin, moderator):
    result = gql.login(admin).execute(
        GRANT, {"town": "montpellier", "email": moderator.email, "role": "ADMIN"}
    )["townStaffGrant"]

    assert result["townStaff"]["role"] == "ADMIN"
    assert AuditEntry.objects.get().before == {"email": moderator.email, "role": "moderator"}


def test_an_admin_revokes_a_moderator(gql, admin, moderator):
    result = gql.login(admin).execute(REVOKE, {"town": "montpellier", "email": moderator.email})[
        "townStaffRevoke"
    ]

    assert result == {"townStaff": {"email": moderator.email, "role": "MODERATOR"}, "errors": []}
    assert not TownStaff.objects.filter(user=moderator).exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before, entry.after) == (
        "town_staff.revoke",
        {"email": moderator.email, "role": "moderator"},
        None,
    )


def test_the_last_admin_cannot_leave_or_step_down(gql, admin):
    gql.login(admin)

    revoke = gql.execute(REVOKE, {"town": "montpellier", "email": admin.email})["townStaffRevoke"]
    demote = gql.execute(GRANT, {"town": "montpellier", "email": admin.email, "role": "MODERATOR"})[
        "townStaffGrant"
    ]

    assert [e["code"] for e in revoke["errors"]] == ["LAST_ADMIN"]
    assert [e["code"] for e in demote["errors"]] == ["LAST_ADMIN"]
    assert TownStaff.objects.get(user=admin).role == "admin"


def test_revoking_someone_without_a_role_is_refused(gql, admin):
    UserFactory(email="citizen@example.org")

    result = gql.login(admin).execute(
        REVOKE, {"town": "montpellier", "email": "citizen@example.org"}
    )["townStaffRevoke"]

    assert [e["code"] for e in result["errors"]] == ["NOT_STAFF"]


def test_the_staff_list_is_for_staff_only(gql, admin, moderator):
    customer = UserFactory(email="citizen@example.org")
    TownStaffFactory(town=TownFactory(slug="nancy"), user=UserFactory(email="n@example.org"))

    as_staff = gql.login(moderator).execute(STAFF, {"town": "montpellier"})["townStaff"]
    as_customer = gql.login(customer).execute(STAFF, {"town": "montpellier"})["townStaff"]

    assert as_staff == [
        {"email": admin.email, "role": "ADMIN"},
        {"email": moderator.email, "role": "MODERATOR"},
    ]
    assert as_customer == []
