"""vendorPaymentOnboard: a shop member gets a Stripe Connect (Express) onboarding link."""

from __future__ import annotations

from typing import Any

import pytest

from payments.models import ConnectedAccount
from tests.checkout.helpers import gid
from tests.factories import UserFactory, VendorFactory, VendorMemberFactory

pytestmark = pytest.mark.django_db

ONBOARD = """
mutation($vendor: ID!, $back: String) {
  vendorPaymentOnboard(vendor: $vendor, returnUrl: $back) {
    url
    account { accountId chargesEnabled payoutsEnabled canReceiveTransfers requirementsDue }
    errors { field code message }
  }
}"""

ACCOUNT = """
query($vendor: ID!) { vendorPaymentAccount(vendor: $vendor) { accountId canReceiveTransfers } }"""


def test_a_shop_member_gets_an_onboarding_link_and_one_account(stripe: Any, gql: Any) -> None:
    # given a shop and its owner
    stripe.PUBLIC_BASE_URL = "https://town.example"
    vendor = VendorFactory()
    owner = UserFactory()
    VendorMemberFactory(vendor=vendor, user=owner)

    # when the owner asks to onboard, twice
    first = gql.login(owner).execute(
        ONBOARD, {"vendor": gid("Vendor", vendor.pk), "back": "https://town.example/shop"}
    )
    second = gql.execute(ONBOARD, {"vendor": gid("Vendor", vendor.pk)})

    # then a link comes back each time, for one connected account that cannot be paid yet
    for result in (first, second):
        payload = result["vendorPaymentOnboard"]
        assert payload["errors"] == []
        assert payload["url"].startswith("https://")
    account = ConnectedAccount.objects.get()
    assert (account.vendor_id, account.link_count) == (vendor.pk, 2)
    assert account.account_id.startswith("acct_")
    assert second["vendorPaymentOnboard"]["account"] == {
        "accountId": account.account_id,
        "chargesEnabled": False,
        "payoutsEnabled": False,
        "canReceiveTransfers": False,
        "requirementsDue": [],
    }
    assert gql.execute(ACCOUNT, {"vendor": gid("Vendor", vendor.pk)}) == {
        "vendorPaymentAccount": {"accountId": account.account_id, "canReceiveTransfers": False}
    }


def test_only_shop_members_may_onboard_a_shop(stripe: Any, gql: Any) -> None:
    # given a shop and a user of another shop
    vendor = VendorFactory()
    stranger = UserFactory()
    VendorMemberFactory(vendor=VendorFactory(), user=stranger)

    # when the stranger, then an anonymous visitor, try to onboard it
    results = [
        gql.login(stranger).execute(ONBOARD, {"vendor": gid("Vendor", vendor.pk)}),
        gql.logout().execute(ONBOARD, {"vendor": gid("Vendor", vendor.pk)}),
        gql.execute(ONBOARD, {"vendor": gid("Vendor", 999999)}),
    ]

    # then each is refused with a code, and nothing is created
    assert [r["vendorPaymentOnboard"]["errors"][0]["code"] for r in results] == [
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
        "NOT_FOUND",
    ]
    assert [r["vendorPaymentOnboard"]["url"] for r in results] == [None, None, None]
    assert ConnectedAccount.objects.count() == 0


def test_with_the_dummy_gateway_a_shop_can_be_paid_at_once(dummy: Any, gql: Any) -> None:
    vendor = VendorFactory()
    owner = UserFactory()
    VendorMemberFactory(vendor=vendor, user=owner)

    result = gql.login(owner).execute(ONBOARD, {"vendor": gid("Vendor", vendor.pk)})

    assert result["vendorPaymentOnboard"]["account"]["canReceiveTransfers"] is True


def test_stripe_only_sends_members_back_to_this_site(stripe: Any, gql: Any) -> None:
    stripe.PUBLIC_BASE_URL = "https://town.example"
    vendor = VendorFactory()
    owner = UserFactory()
    VendorMemberFactory(vendor=vendor, user=owner)

    result = gql.login(owner).execute(
        ONBOARD, {"vendor": gid("Vendor", vendor.pk), "back": "https://evil.example/town.example"}
    )["vendorPaymentOnboard"]

    assert [(e["field"], e["code"]) for e in result["errors"]] == [("returnUrl", "INVALID")]
    assert ConnectedAccount.objects.count() == 0
