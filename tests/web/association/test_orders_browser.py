"""The association's staff find an order and refund part of it, in a real browser (Chromium):
accessible (axe-core), in French."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.lines import LineInput, checkout_create
from payments.models import Refund
from tests.checkout.helpers import shop, variant
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_find_an_order_and_refund_part_of_it(web, rennes, rennes_moderator, settings, eager):
    # given a paid order of Rennes (the dummy gateway pays it at once)
    settings.PAYMENT_GATEWAY = "dummy"
    bakery = shop(rennes, "fournee", name="La Fournée")
    checkout = checkout_create(
        town_slug="rennes",
        email="camille@example.org",
        lines=[LineInput(variant(bakery, price="2.00", stock=5).pk, 3)],
        user=AnonymousUser(),
    )
    order = checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order

    # the moderator finds it by the customer's email, from the back office's menu
    web.login(rennes_moderator.email, PASSWORD)
    web.open("/association/rennes/")
    web.driver.find_element("link text", "Commandes").click()
    web.wait_for("input[name=q]")
    assert web.axe() == []
    web.fill("input[name=q]", "camille@")
    web.click("form.search-orders button[type=submit]")
    # (the list before the search holds the same link: wait for the search's own page)
    web.wait_for_text("contient « camille@ »")
    web.driver.find_element("link text", order.number).click()
    web.wait_for("section.shop-order")
    assert "camille@example.org" in web.text and "La Fournée" in web.text
    assert web.axe() == []

    # and refunds 1,50 of it, saying why
    web.click("section.shop-order details summary")
    web.fill("input[name$=-amount]", "1,50")
    web.fill("input[name$=-reason]", "Une baguette manquante")
    assert web.axe() == []
    web.click("section.shop-order details button[type=submit]")
    assert "Remboursement de 1,50 € au client demandé" in web.wait_for(".messages").text
    assert "Une baguette manquante" in web.find("table.refunds").text
    assert web.axe() == []
    web.screenshots("association-order-refunded")
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by_id) == (Decimal("1.50"), rennes_moderator.pk)
