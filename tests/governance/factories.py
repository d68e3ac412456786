"""Factories of the governance tests."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from marketplace.governance.models import CommissionRule
from marketplace.orders.models import Order, ShopOrder
from tests.factories import TownFactory, VendorFactory


class CommissionRuleFactory(DjangoModelFactory):
    class Meta:
        model = CommissionRule

    town = factory.SubFactory(TownFactory)
    percentage = Decimal("5.000")
    fixed_amount = Decimal("0.00")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"GOV-{n:06d}")
    checkout_token = factory.LazyFunction(uuid.uuid4)
    town = factory.SubFactory(TownFactory)
    email = "client@example.org"
    currency = "EUR"
    subtotal = Decimal("0.00")
    delivery_total = Decimal("0.00")
    total = Decimal("0.00")


class ShopOrderFactory(DjangoModelFactory):
    class Meta:
        model = ShopOrder

    order = factory.SubFactory(OrderFactory)
    vendor = factory.SubFactory(VendorFactory, town=factory.SelfAttribute("..order.town"))
    currency = "EUR"
    subtotal = Decimal("20.00")
    delivery_method = "pickup"
    delivery_fee = Decimal("0.00")
    commission = Decimal("1.00")
    payout = factory.LazyAttribute(lambda o: o.subtotal + o.delivery_fee - o.commission)
