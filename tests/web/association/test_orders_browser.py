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

    # and refunds 1,50 of it, saying why (a long reason: it wraps in the refunds' table)
    reason = "Une baguette manquante. " + "Lacustrecouleurdesmerveilleuxpaysages" * 12
    web.click("section.shop-order details summary")
    web.fill("input[name$=-amount]", "1,50")
    web.fill("textarea[name^=refund-]", reason)
    assert web.axe() == []
    web.click("section.shop-order details button[type=submit]")
    # a step says what the customer gets back before anything is done
    assert "Le client récupère 1,50 €." in web.wait_for("#refund-preview").text
    assert not Refund.objects.exists()
    assert web.axe() == []
    web.click("button[name=confirm]")
    assert "Remboursement de 1,50 € au client demandé" in web.wait_for(".messages").text
    assert "Une baguette manquante" in web.find("table.refunds").text
    wrap = web.find("section.shop-order .table-wrap")
    assert web.driver.execute_script("return arguments[0].scrollWidth", wrap) <= wrap.size["width"]
    assert web.axe() == []
    web.screenshots("association-order-refunded")
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by_id) == (Decimal("1.50"), rennes_moderator.pk)

    # then cancels the rest of it, saying why: cancelled, refunded in full, the form gone
    web.click("section.shop-order details:last-of-type summary")
    web.fill("textarea[name^=cancel-]", "Commerce fermé pour travaux")
    assert web.axe() == []
    web.click("section.shop-order details:last-of-type button[type=submit]")
    # confirmed on a step that says what the customer gets back (the 4,50 left)
    assert "Le client récupère 4,50 €." in web.wait_for("#cancel-preview").text
    assert web.axe() == []
    web.click("button[name=confirm]")
    assert "La partie de La Fournée est annulée" in web.wait_for(".messages").text
    assert "Annulée" in web.find("section.shop-order h2").text
    assert "Commerce fermé pour travaux" in web.find("section.shop-order").text
    assert web.axe() == []
    order.refresh_from_db()
    assert order.shop_orders.get().refunded_amount == Decimal("6.00")
    cancel_refund = Refund.objects.order_by("pk").last()
    assert (cancel_refund.requested_by_id, cancel_refund.reason) == (
        rennes_moderator.pk,
        "Commerce fermé pour travaux",
    )


def test_staff_cancel_a_shops_part_without_javascript(
    web_nojs, rennes, rennes_moderator, settings, eager
):
    # given a paid order of Rennes, in a browser without JavaScript (axe needs it: the pages are
    # checked with it in the test above)
    settings.PAYMENT_GATEWAY = "dummy"
    bakery = shop(rennes, "fournee", name="La Fournée")
    checkout = checkout_create(
        town_slug="rennes",
        email="camille@example.org",
        lines=[LineInput(variant(bakery, price="2.00", stock=5).pk, 2)],
        user=AnonymousUser(),
    )
    order = checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order
    web = web_nojs
    web.login(rennes_moderator.email, PASSWORD)
    web.open(f"/association/rennes/commandes/{order.number}/")

    # the moderator asks to cancel the shop's part with no reason: told to give one
    web.click("section.shop-order details:last-of-type summary")
    web.click("section.shop-order details:last-of-type button[type=submit]")
    web.wait_for_text("Indiquez pourquoi la partie de ce commerce est annulée")
    assert not Refund.objects.exists()
    # with one: a confirmation step, then the part is cancelled and refunded
    web.fill("section.shop-order details[open] textarea[name$=-reason]", "Commerce fermé")
    web.click("section.shop-order details[open] button[type=submit]")
    assert "Le client récupère 4,00 €." in web.wait_for("#cancel-preview").text
    web.click("button[name=confirm]")
    assert "La partie de La Fournée est annulée" in web.wait_for(".messages").text
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by_id, refund.reason) == (
        Decimal("4.00"),
        rennes_moderator.pk,
        "Commerce fermé",
    )


def test_staff_cancel_an_unpaid_order_from_its_page(web, rennes, rennes_moderator):
    order = OrderFactory(town=rennes)
    web.login(rennes_moderator.email, PASSWORD)
    web.open(f"/association/rennes/commandes/{order.number}/")
    web.click("main form button.btn-danger")
    assert "La commande non payée est annulée" in web.wait_for(".messages").text
    order.refresh_from_db()
    assert order.status == "cancelled"
