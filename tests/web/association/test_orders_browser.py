"""The association's staff find an order and refund part of it, in a real browser (Chromium):
accessible (axe-core), in French."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.lines import LineInput, checkout_create
from payments.models import Refund
from tests.checkout.helpers import shop, variant
from tests.factories import PASSWORD, OrderFactory

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

    # then cancels the rest of it, saying why: cancelled, refunded in full, the form gone
    web.click("section.shop-order details:last-of-type summary")
    web.fill("textarea[name$=-reason]", "Commerce fermé pour travaux")
    assert web.axe() == []
    web.click("section.shop-order details:last-of-type button[type=submit]")
    assert "La partie de La Fournée est annulée" in web.wait_for(".messages").text
    assert "Annulée" in web.find("section.shop-order h2").text
    assert "Commerce fermé pour travaux" in web.find("section.shop-order").text
    assert web.axe() == []
    order.refresh_from_db()
    assert order.shop_orders.get().refunded_amount == Decimal("6.00")


def test_staff_cancel_an_unpaid_order_from_its_page(web, rennes, rennes_moderator):
    order = OrderFactory(town=rennes)
    web.login(rennes_moderator.email, PASSWORD)
    web.open(f"/association/rennes/commandes/{order.number}/")
    assert web.axe() == []
    web.click("main form button.btn-danger")
    assert "La commande non payée est annulée" in web.wait_for(".messages").text
    assert web.axe() == []
    order.refresh_from_db()
    assert order.status == "cancelled"
