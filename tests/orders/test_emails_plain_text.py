"""Emails are plain text: a shop called « La Fève d'Or & Fils » is written as it is, never as HTML."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.orders.emails import order_notification_send
from marketplace.orders.models import Order, ShopOrder
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


def test_a_paid_order_emails_the_customer_and_each_shop_reading_the_order_once(
    three_shop_order, django_assert_num_queries
):
    # given a paid order of three shops
    order, shops = three_shop_order
    mail.outbox.clear()

    # when its "paid" emails are sent: the order with its town, its shop orders with their shops
    with django_assert_num_queries(2):
        sent = order_notification_send(order_id=order.pk, event="order_paid")

    # then the customer and each shop got theirs
    assert sent == 4
    assert [email.to for email in mail.outbox] == [
        ["client@example.org"],
        *[[s.email] for s in shops],
    ]
    assert all(order.number in email.body for email in mail.outbox)


def test_an_order_that_is_gone_sends_nothing():
    assert order_notification_send(order_id=987_654_321, event="order_paid") == 0
    assert mail.outbox == []


def _one_shops_order(*, language: str, customer_name: str = "") -> Order:
    """A paid order of one bakery's loaf (the dummy gateway), in `language`."""
    city = town()
    checkout = checkout_create(
        town_slug=city.slug,
        email="a@example.org",
        lines=[LineInput(variant(shop(city, "bakery"), stock=5).pk, 1)],
        user=AnonymousUser(),
    )
    order = checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order
    order.language = language
    order.customer_name = customer_name
    order.save(update_fields=["language", "customer_name"])
    return order


@pytest.mark.parametrize(
    ("language", "reason", "told"),
    [
        ("fr", "cancelled_by_staff", "Motif : annulée par l’association de la ville"),
        ("en", "cancelled_by_staff", "Reason: cancelled by the town's association"),
        ("fr", "Rupture de farine", "Motif : Rupture de farine"),
    ],
)
def test_a_cancellations_reason_is_told_in_words_and_a_persons_as_written(
    settings, language, reason, told
):
    # given a paid shop order cancelled with a reason: the system's code, or a person's words
    settings.PAYMENT_GATEWAY = "dummy"
    order = _one_shops_order(language=language)
    ShopOrder.objects.filter(order=order).update(status="cancelled", status_reason=reason)
    mail.outbox.clear()

    # when the customer and the shop are told
    order_notification_send(
        order_id=order.pk, event="cancelled", shop_order_id=ShopOrder.objects.get(order=order).pk
    )

    # then each email gives the reason in words (the code never shows)
    assert mail.outbox and all(told in email.body for email in mail.outbox)
    assert all("cancelled_by_staff" not in email.body for email in mail.outbox)


@pytest.mark.parametrize(
    ("language", "told"),
    [
        ("fr", "ne peut pas honorer votre commande {number}. Vous serez remboursé(e).\n"),
        ("en", "cannot fulfil your order {number}. You will be refunded.\n"),
    ],
)
def test_a_refusal_and_a_paid_order_read_as_sentences_with_amounts_in_the_orders_language(
    settings, language, told
):
    # given a paid order of one shop, in the customer's language
    settings.PAYMENT_GATEWAY = "dummy"
    order = _one_shops_order(language=language, customer_name="Camille Martin")
    mail.outbox.clear()

    # when it was paid, then the shop refused it with its own words
    order_notification_send(order_id=order.pk, event="order_paid")
    shop_order = ShopOrder.objects.get(order=order)
    ShopOrder.objects.filter(pk=shop_order.pk).update(
        status="refused", status_reason="Rupture de stock"
    )
    order_notification_send(order_id=order.pk, event="refused", shop_order_id=shop_order.pk)

    # then the total is written as the language writes money, and the refusal's sentences end
    # before its reason, on a line of its own
    paid, new_order, refused = mail.outbox
    total = {"fr": f"{order.total:.2f}".replace(".", ",") + "\xa0€", "en": f"€{order.total:.2f}"}
    assert total[language] in paid.body and "EUR" not in paid.body + new_order.body
    # and the shop is told who the order is for
    named = {"fr": "Au nom de : Camille Martin\n", "en": "In the name of: Camille Martin\n"}
    assert named[language] in new_order.body
    assert told.format(number=order.number) in refused.body
    assert "Rupture de stock\n" in refused.body
