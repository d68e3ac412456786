"""Shop members: invitations, removal, ownership transfer."""

from __future__ import annotations

from tests.factories import UserFactory
from tests.vendors.helpers import gid
from vendors.members import vendor_invitations_claim
from vendors.models import VendorInvitation, VendorMember, VendorRole
from vendors.tasks import send_vendor_invitation

INVITE = """
mutation($vendor: ID!, $email: String!, $role: VendorRole) {
  vendorMemberInvite(vendor: $vendor, email: $email, role: $role) {
    member { id email role }
    invitation { email role }
    errors { field code message }
  }
}
"""
ACCEPT = """
mutation($token: String!) {
  vendorInvitationAccept(token: $token) {
    member { email role } vendor { slug }
    errors { field code }
  }
}
"""
REMOVE = """
mutation($id: ID!) { vendorMemberRemove(id: $id) { vendor { slug } errors { field code } } }
"""
TRANSFER = """
mutation($vendor: ID!, $member: ID!) {
  vendorOwnershipTransfer(vendor: $vendor, member: $member) {
    vendor { members { email role } } errors { field code }
  }
}
"""


def _roles(vendor):
    return sorted(VendorMember.objects.filter(vendor=vendor).values_list("user__email", "role"))


def test_inviting_an_existing_account_sends_an_invitation_it_must_accept(gql, world):
    data = gql.login(world.owner_a).execute(
        INVITE, {"vendor": gid("Vendor", world.shop_a.pk), "email": "Client@Example.org"}
    )["vendorMemberInvite"]
    assert data == {
        "member": None,
        "invitation": {"email": "client@example.org", "role": "STAFF"},
        "errors": [],
    }
    assert ("client@example.org", VendorRole.STAFF) not in _roles(world.shop_a)


def test_inviting_an_unknown_email_sends_one_invitation_after_commit(
    gql, world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given Celery runs tasks eagerly
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # when the owner invites an email that has no account
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        data = gql.login(world.owner_a).execute(
            INVITE, {"vendor": gid("Vendor", world.shop_a.pk), "email": "new@example.org"}
        )["vendorMemberInvite"]
    # then a pending invitation exists, and one email went out with its code
    assert data["errors"] == []
    assert data["invitation"] == {"email": "new@example.org", "role": "STAFF"}
    assert len(callbacks) == 1
    invitation = VendorInvitation.objects.get(email="new@example.org")
    assert invitation.sent_at is not None
    assert [m.to for m in mailoutbox] == [["new@example.org"]]
    assert invitation.token in mailoutbox[0].body
    # and running the task again sends nothing more (idempotent)
    assert send_vendor_invitation(invitation.pk) is False
    assert len(mailoutbox) == 1


def test_the_invited_person_registers_and_accepts(gql, world):
    # given a pending invitation
    gql.login(world.owner_a).execute(
        INVITE, {"vendor": gid("Vendor", world.shop_a.pk), "email": "new@example.org"}
    )
    token = VendorInvitation.objects.get(email="new@example.org").token
    newcomer = UserFactory(email="new@example.org")
    # when someone else tries the code, then the right person accepts
    wrong = gql.login(world.customer).execute(ACCEPT, {"token": token})["vendorInvitationAccept"]
    right = gql.login(newcomer).execute(ACCEPT, {"token": token})["vendorInvitationAccept"]
    again = gql.login(newcomer).execute(ACCEPT, {"token": token})["vendorInvitationAccept"]
    # then
    assert wrong["errors"] == [{"field": "token", "code": "INVITATION_EMAIL_MISMATCH"}]
    assert right == {
        "member": {"email": "new@example.org", "role": "STAFF"},
        "vendor": {"slug": "fromagerie"},
        "errors": [],
    }
    assert again["errors"] == [{"field": "token", "code": "NOT_FOUND"}]
    assert ("new@example.org", VendorRole.STAFF) in _roles(world.shop_a)


def test_pending_invitations_are_claimed_at_registration(world):
    VendorInvitation.objects.create(vendor=world.shop_a, email="late@example.org", token="t1")
    VendorInvitation.objects.create(vendor=world.shop_b, email="late@example.org", token="t2")
    user = UserFactory(email="late@example.org")
    members = vendor_invitations_claim(user_id=user.pk)
    assert sorted(m.vendor_id for m in members) == sorted([world.shop_a.pk, world.shop_b.pk])
    assert VendorInvitation.objects.filter(accepted_at__isnull=True).count() == 0


def test_bad_invitations_get_coded_errors(gql, world):
    vendor = gid("Vendor", world.shop_a.pk)
    gql.login(world.owner_a)
    cases = [
        ({"vendor": vendor, "email": "nope"}, ("email", "INVALID")),
        ({"vendor": vendor, "email": "staff-a@example.org"}, ("email", "ALREADY_MEMBER")),
        ({"vendor": gid("Vendor", 999999), "email": "a@b.org"}, ("vendor", "NOT_FOUND")),
        ({"vendor": "garbage", "email": "a@b.org"}, ("vendor", "INVALID")),
    ]
    for variables, expected in cases:
        errors = gql.execute(INVITE, variables)["vendorMemberInvite"]["errors"]
        assert (errors[0]["field"], errors[0]["code"]) == expected
    gql.execute(INVITE, {"vendor": vendor, "email": "x@example.org"})
    errors = gql.execute(INVITE, {"vendor": vendor, "email": "x@example.org"})[
        "vendorMemberInvite"
    ]["errors"]
    assert errors[0]["code"] == "ALREADY_MEMBER"
    assert VendorInvitation.objects.count() == 1


def test_staff_cannot_invite(gql, world):
    data = gql.login(world.staff_a).execute(
        INVITE, {"vendor": gid("Vendor", world.shop_a.pk), "email": "x@example.org"}
    )["vendorMemberInvite"]
    assert data["errors"][0]["code"] == "PERMISSION_DENIED"
    assert VendorInvitation.objects.count() == 0


def test_the_owner_removes_staff_and_staff_may_leave(gql, world):
    staff = VendorMember.objects.get(vendor=world.shop_a, user=world.staff_a)
    other = VendorMember.objects.create(
        vendor=world.shop_a, user=world.customer, role=VendorRole.STAFF
    )
    removed = gql.login(world.owner_a).execute(REMOVE, {"id": gid("VendorMember", staff.pk)})
    left = gql.login(world.customer).execute(REMOVE, {"id": gid("VendorMember", other.pk)})
    assert removed["vendorMemberRemove"]["errors"] == []
    assert left["vendorMemberRemove"]["errors"] == []
    assert _roles(world.shop_a) == [("owner-a@example.org", VendorRole.OWNER)]


def test_staff_cannot_remove_the_owner(gql, world):
    owner = VendorMember.objects.get(vendor=world.shop_a, user=world.owner_a)
    data = gql.login(world.staff_a).execute(REMOVE, {"id": gid("VendorMember", owner.pk)})
    assert data["vendorMemberRemove"]["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    assert len(_roles(world.shop_a)) == 2


def test_the_last_owner_cannot_remove_themselves(gql, world):
    owner = VendorMember.objects.get(vendor=world.shop_a, user=world.owner_a)
    data = gql.login(world.owner_a).execute(REMOVE, {"id": gid("VendorMember", owner.pk)})
    assert data["vendorMemberRemove"]["errors"] == [{"field": "id", "code": "LAST_OWNER"}]
    assert len(_roles(world.shop_a)) == 2


def test_ownership_transfer_swaps_roles(gql, world):
    staff = VendorMember.objects.get(vendor=world.shop_a, user=world.staff_a)
    data = gql.login(world.owner_a).execute(
        TRANSFER,
        {"vendor": gid("Vendor", world.shop_a.pk), "member": gid("VendorMember", staff.pk)},
    )["vendorOwnershipTransfer"]
    assert data["errors"] == []
    assert _roles(world.shop_a) == [
        ("owner-a@example.org", VendorRole.STAFF),
        ("staff-a@example.org", VendorRole.OWNER),
    ]
    # and the former owner can now leave, the new one cannot
    former = VendorMember.objects.get(vendor=world.shop_a, user=world.owner_a)
    new = VendorMember.objects.get(vendor=world.shop_a, user=world.staff_a)
    assert gql.login(world.staff_a).execute(REMOVE, {"id": gid("VendorMember", new.pk)})[
        "vendorMemberRemove"
    ]["errors"] == [{"field": "id", "code": "LAST_OWNER"}]
    assert (
        gql.login(world.owner_a).execute(REMOVE, {"id": gid("VendorMember", former.pk)})[
            "vendorMemberRemove"
        ]["errors"]
        == []
    )


def test_ownership_cannot_go_to_a_member_of_another_shop(gql, world):
    other = VendorMember.objects.get(vendor=world.shop_b, user=world.owner_b)
    data = gql.login(world.owner_a).execute(
        TRANSFER,
        {"vendor": gid("Vendor", world.shop_a.pk), "member": gid("VendorMember", other.pk)},
    )["vendorOwnershipTransfer"]
    assert data["errors"] == [{"field": "member", "code": "NOT_A_MEMBER"}]
    assert _roles(world.shop_b) == [("owner-b@example.org", VendorRole.OWNER)]
