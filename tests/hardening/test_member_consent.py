"""Item 5 of issue #15: nobody becomes a shop's member (or owner) without accepting, and the
answer to an invitation does not tell whether an account exists."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from tests.factories import UserFactory, VendorFactory, VendorMemberFactory
from vendors.models import VendorInvitation, VendorMember, VendorRole

pytestmark = pytest.mark.django_db

INVITE = """mutation($vendor: ID!, $email: String!) {
  vendorMemberInvite(vendor: $vendor, email: $email, role: OWNER) {
    invitation { email role } errors { field code } } }"""
ACCEPT = """mutation($token: String!) { vendorInvitationAccept(token: $token) {
    member { email role } errors { code } } }"""


def test_an_existing_account_is_invited_never_added_and_the_answer_hides_that_it_exists(gql):
    shop = VendorFactory()
    owner = UserFactory(email="owner@example.org")
    VendorMemberFactory(vendor=shop, user=owner, role=VendorRole.OWNER)
    victim = UserFactory(email="victim@example.org")
    gql.login(owner)

    existing = gql.execute(
        INVITE, {"vendor": to_global_id("Vendor", shop.pk), "email": "victim@example.org"}
    )
    unknown = gql.execute(
        INVITE, {"vendor": to_global_id("Vendor", shop.pk), "email": "nobody@example.org"}
    )

    assert existing["vendorMemberInvite"] == {
        "invitation": {"email": "victim@example.org", "role": "OWNER"},
        "errors": [],
    }
    assert unknown["vendorMemberInvite"] == {
        "invitation": {"email": "nobody@example.org", "role": "OWNER"},
        "errors": [],
    }
    assert not VendorMember.objects.filter(vendor=shop, user=victim).exists()

    token = VendorInvitation.objects.get(email="victim@example.org").token
    accepted = gql.login(victim).execute(ACCEPT, {"token": token})["vendorInvitationAccept"]
    assert accepted == {"member": {"email": "victim@example.org", "role": "OWNER"}, "errors": []}
