"""Factories of the governance tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from marketplace.governance.models import CommissionRule
from tests.factories import TownFactory


class CommissionRuleFactory(DjangoModelFactory):
    class Meta:
        model = CommissionRule

    town = factory.SubFactory(TownFactory)
    percentage = Decimal("5.000")
    fixed_amount = Decimal("0.00")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
