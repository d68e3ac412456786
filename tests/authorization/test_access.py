"""The access helpers under the matrix, called without a request: no user at all (None, as
tasks and scripts pass) is nobody, never an error and never a member, staff or customer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from marketplace.checkout.access import check_checkout_access
from marketplace.checkout.models import Checkout
from marketplace.graphql.governance.access import require_login
from marketplace.graphql.orders.access import can_see_order, is_order_customer
from marketplace.graphql.vendors.access import require_member
from marketplace.towns.access import is_town_staff
from tests.factories import OrderFactory, TownFactory, TownStaffFactory, UserFactory, VendorFactory
from vendors.access import is_vendor_member, member_role

pytestmark = pytest.mark.django_db


def test_no_user_is_nobody() -> None:
    # Given a shop with its owner, a town with its staff, a customer's order and checkout
    town = TownFactory()
    shop = VendorFactory(town=town)
    owner = UserFactory()
    shop.members.create(user=owner, role="owner")
    TownStaffFactory(town=town)
    customer = UserFactory()
    order = OrderFactory(town=town, user=customer)
    checkout = Checkout.objects.create(town=town, user=customer, email=customer.email)
    nobody = SimpleNamespace(context=SimpleNamespace(user=None))
    # Then no user at all has no role, is no member, no staff, not the customer
    assert member_role(None, shop.pk) is None
    assert is_vendor_member(None, shop.pk) is False
    assert is_vendor_member(None, shop.pk, owner_only=True) is False
    assert is_town_staff(None, town.pk) is False
    assert is_order_customer(None, order) is False
    assert can_see_order(nobody, order) is False
    # And is refused the checkout and anything needing a login
    with pytest.raises(PermissionDenied):
        check_checkout_access(checkout, None)
    with pytest.raises(PermissionDenied):
        require_login(nobody)
    with pytest.raises(PermissionDenied):
        require_member(nobody, shop.pk)
    # While the real people keep their rights
    assert (member_role(owner, shop.pk), is_vendor_member(owner, shop.pk, owner_only=True)) == (
        "owner",
        True,
    )
    assert is_order_customer(customer, order) is True
    assert require_member(SimpleNamespace(context=SimpleNamespace(user=owner)), shop.pk) == owner
    check_checkout_access(checkout, customer)
