"""Emails are plain text: a shop called « La Fève d'Or & Fils » is written as it is, never as HTML."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.orders.emails import order_notification_send
from marketplace.orders.models import ShopOrder
from tests.checkout.helpers import shop, town, variant

pytestmark = pytest.mark.django_db

NAME = "La Fève d'Or & Fils"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_shop_name_with_an_apostrophe_and_ampersand_is_written_as_it_is(settings, language):
    settings.PAYMENT_GATEWAY = "dummy"
    city = town()
    bakery = shop(city, "bakery")
    bakery.name = NAME
    bakery.save(update_fields=["name"])
    checkout = checkout_create(
        town_slug=city.slug,
        email="a@example.org",
        lines=[LineInput(variant(bakery, stock=5).pk, 1)],
        user=AnonymousUser(),
    )
    order = checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order
    order.language = language
    order.save(update_fields=["language"])
    shop_order = ShopOrder.objects.get(order=order)
    mail.outbox.clear()

    order_notification_send(order_id=order.pk, event="accepted", shop_order_id=shop_order.pk)

    (email,) = mail.outbox
    assert NAME in email.subject
    assert "&#x27;" not in email.subject + email.body and "&amp;" not in email.subject + email.body
