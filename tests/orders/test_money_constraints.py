"""The database itself refuses an order or a shop order whose money does not add up."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from marketplace.orders.models import Order, ShopOrder
from tests.factories import TownFactory, VendorFactory

pytestmark = pytest.mark.django_db


def _order(**amounts):
    town = TownFactory()
    values = {
        "subtotal": Decimal("10.00"),
        "delivery_total": Decimal("4.90"),
        "total": Decimal("14.90"),
    }
    values.update(amounts)
    return Order.objects.create(
        number=f"T-{town.pk}",
        checkout_token=f"00000000-0000-0000-0000-{town.pk:012d}",
        town=town,
        email="a@example.org",
        currency="EUR",
        **values,
    )


def test_an_order_total_must_be_its_subtotal_plus_delivery():
    with pytest.raises(IntegrityError), transaction.atomic():
        _order(total=Decimal("14.91"))

    assert _order().total == Decimal("14.90")


@pytest.mark.parametrize(
    ("payout", "accepted"), [("14.40", True), ("14.41", False), ("14.39", False)]
)
def test_a_payout_must_be_subtotal_plus_fee_minus_commission_to_the_cent(payout, accepted):
    order = _order()
    vendor = VendorFactory(town=order.town)
    shop_order = ShopOrder(
        order=order,
        vendor=vendor,
        currency="EUR",
        subtotal=Decimal("10.00"),
        delivery_method="local_delivery",
        delivery_fee=Decimal("4.90"),
        commission=Decimal("0.50"),
        payout=Decimal(payout),
    )

    if accepted:
        shop_order.save()
        assert ShopOrder.objects.count() == 1
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            shop_order.save()
        assert ShopOrder.objects.count() == 0
