"""checkout_claim: at login a guest's checkout becomes the account's, merged with its own."""

import pytest
from django.core.exceptions import PermissionDenied

from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine
from marketplace.checkout.ownership import checkout_claim
from tests.factories import TownFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_the_guest_checkout_takes_the_accounts_other_lines_and_the_other_checkout_goes():
    town = TownFactory()
    user = UserFactory()
    bread, honey = (
        VariantFactory(product__vendor__town=town),
        VariantFactory(product__vendor__town=town),
    )
    guest = Checkout.objects.create(town=town)
    CheckoutLine.objects.create(checkout=guest, variant=bread, quantity=2)
    mine = Checkout.objects.create(town=town, user=user, email=user.email)
    CheckoutLine.objects.create(checkout=mine, variant=bread, quantity=5)
    CheckoutLine.objects.create(checkout=mine, variant=honey, quantity=1)
    CheckoutDelivery.objects.create(checkout=mine, vendor=honey.vendor, method="pickup")

    claimed = checkout_claim(checkout_id=guest.pk, user=user)

    assert claimed.pk == guest.pk and claimed.user_id == user.pk and claimed.email == user.email
    assert list(Checkout.objects.values_list("pk", flat=True)) == [guest.pk]
    assert sorted(CheckoutLine.objects.values_list("variant_id", "quantity")) == sorted(
        [(bread.pk, 2), (honey.pk, 1)]
    )
    assert CheckoutDelivery.objects.get().checkout_id == guest.pk


def test_another_accounts_checkout_cannot_be_claimed():
    owner, thief = UserFactory(), UserFactory()
    theirs = Checkout.objects.create(town=TownFactory(), user=owner, email=owner.email)

    with pytest.raises(PermissionDenied):
        checkout_claim(checkout_id=theirs.pk, user=thief)

    assert Checkout.objects.get().user_id == owner.pk
