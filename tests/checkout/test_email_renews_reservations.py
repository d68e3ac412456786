"""checkoutEmailUpdate is a change of the checkout: it renews the reservations (#14 defect 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from marketplace.checkout.models import Reservation
from tests.checkout.helpers import CREATE, EMAIL, line, shop, town, variant

pytestmark = pytest.mark.django_db


def test_changing_the_email_renews_the_checkouts_reservations(gql: Any) -> None:
    # given a checkout whose reservation is about to expire
    city = town()
    bread = variant(shop(city, "bakery"), stock=5)
    checkout = gql.execute(
        CREATE, {"input": {"town": city.slug, "email": "a@example.org", "lines": [line(bread, 2)]}}
    )["checkoutCreate"]["checkout"]
    soon = timezone.now() + timedelta(seconds=30)
    Reservation.objects.update(expires_at=soon)

    # when the customer changes the checkout's email
    result = gql.execute(EMAIL, {"id": checkout["id"], "email": "b@example.org"})

    # then the reservation runs again for the full period
    assert result["checkoutEmailUpdate"]["errors"] == []
    assert Reservation.objects.get().expires_at > soon + timedelta(minutes=10)
