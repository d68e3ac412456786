"""The customers' journeys in a real browser (Debian's Chromium): French, accessible, and the whole
purchase with JavaScript off. Each journey saves screenshots at 1280 px and 390 px under var/."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By

from marketplace.orders.models import Order, OrderStatus
from payments.refunds import refund_undo, shop_order_refund
from vendors.models import Stock

pytestmark = pytest.mark.django_db(transaction=True)


def wait_text(web, text):
    web.wait_for_text(text)


def add_to_cart(web, path, quantity=1, variant=None):
    web.open(path)
    if variant is not None:
        web.find(f"select[name=variant] option[value='{variant.pk}']").click()
    web.fill("input[name=quantity]", str(quantity))
    web.click("form.add-to-cart button[type=submit]")
    wait_text(web, "est dans votre panier")


def test_a_guest_buys_from_two_shops_one_pickup_one_delivery(web, shops):
    add_to_cart(web, "/villes/bourg/commerces/boulangerie/baguette/", 2)
    web.open("/villes/bourg/commerces/epicerie/miel/")
    web.driver.execute_script("window.notReloaded = true;")
    web.find(f"select[name=variant] option[value='{shops.honey_small.pk}']").click()
    web.click("form.add-to-cart button[type=submit]")
    wait_text(web, "est dans votre panier")
    # htmx: the message and the header's cart count change in place, the page is not reloaded
    assert web.driver.execute_script("return window.notReloaded === true;")
    assert "3 articles" in web.find("#cart-link").text  # 2 baguettes and a jar
    assert web.axe() == []  # the product page
    web.screenshots("customers-product")
    web.open("/villes/bourg/commerces/epicerie/")
    assert "Ouvert en ce moment" in web.text or "Fermé en ce moment" in web.text
    assert web.axe() == []
    web.screenshots("customers-shop")
    web.open("/villes/bourg/panier/")
    assert "9,10 €" in web.text
    # htmx: choosing delivery updates the cart in place (the radio's change posts the form)
    web.click("input[name=method][value=local_delivery]")
    wait_text(web, "14,00 €")  # WebDriver shows no-break spaces as spaces
    assert web.axe() == []
    web.screenshots("customers-cart-two-shops")

    web.click("a.btn-primary[href$='/commande/']")
    web.fill("input[name=customer_name]", "Camille Martin")
    web.fill("input[name=email]", "camille@example.org")
    web.fill("input[name=phone]", "06 12 34 56 78")
    web.fill("textarea[name=delivery_address]", "3 rue des Abeilles, 01090 Montmerle")
    assert web.axe() == []  # the checkout page
    web.screenshots("customers-checkout")
    web.click("main form button[type=submit]")
    wait_text(web, "Merci ! Votre commande")

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.total == Decimal("14.00")
    assert web.path == f"/commandes/{order.token}/"
    cards = web.find_all("li.shop-order")
    assert [card.find_element(By.TAG_NAME, "h3").text for card in cards] == [
        "Boulangerie Dupain",
        "Épicerie Miel",
    ]
    assert "Retrait sur place" in cards[0].text and "Livraison locale" in cards[1].text
    assert web.axe() == []
    web.screenshots("customers-confirmation")

    # a refund made on one part, one that failed on the other: the page tells both, accessibly
    bakery, grocer = order.shop_orders.order_by("pk")
    shop_order_refund(shop_order_id=bakery.pk, amount=Decimal("1.00"))
    failing = shop_order_refund(shop_order_id=grocer.pk, amount=grocer.total)
    assert refund_undo(refund_id=failing.pk, reason="provider: refund failed")
    web.open(f"/commandes/{order.token}/")
    cards = web.find_all("li.shop-order")
    assert "1,00 €, effectué : de retour sur votre carte" in cards[0].text
    assert "non effectué : le commerce" in cards[1].text and "Annulée" in cards[1].text
    # what was paid in the end (the refund that failed is not counted), a part cancelled
    assert web.find(".order-amounts").text == "Payé 13,00 €, remboursé 1,00 € (commande de 14,00 €)"
    assert web.find(".order-status .badge").text == "Payée, une partie annulée"
    assert web.axe() == []
    web.screenshots("customers-order-refunds")


def test_a_customer_registers_buys_and_finds_the_order_in_the_account(web, shops):
    add_to_cart(web, "/villes/bourg/commerces/boulangerie/baguette/", 1)
    web.open("/compte/inscription/")
    web.fill("input[name=email]", "lea@example.org")
    web.fill("input[name=first_name]", "Léa")
    web.fill("input[name=password]", "une-phrase-assez-longue")
    assert web.axe() == []
    web.screenshots("customers-register")
    web.click("main form button[type=submit]")
    wait_text(web, "Votre compte est créé")

    web.open("/villes/bourg/panier/")  # the guest cart became the account's
    assert "Baguette de tradition" in web.text
    web.click("a.btn-primary[href$='/commande/']")
    assert "Vous commandez en tant que lea@example.org" in web.text
    web.click("main form button[type=submit]")
    wait_text(web, "Merci ! Votre commande")

    order = Order.objects.get()
    web.open("/compte/")
    web.click(f"a[href='/compte/commandes/{order.number}/']")
    wait_text(web, "Boulangerie Dupain")
    assert order.number in web.text
    assert web.axe() == []
    web.screenshots("customers-account-order")

    # the customer changes their mind before the bakery accepts: cancelled, and refunded
    web.click("details.cancel-shop-order summary")
    web.fill("details.cancel-shop-order textarea[name=reason]", "Commandé par erreur")
    assert web.axe() == []
    web.click("details.cancel-shop-order button[type=submit]")
    wait_text(web, "Votre commande chez Boulangerie Dupain est annulée")
    assert web.path == f"/compte/commandes/{order.number}/"
    assert "Annulée" in web.find("li.shop-order").text
    assert order.shop_orders.get().status_reason == "Commandé par erreur"
    assert web.axe() == []
    web.screenshots("customers-shop-order-cancelled")


def test_a_search_with_suggestions_a_facet_and_near_me(web, shops):
    web.open("/villes/bourg/")
    web.find("#search-q").send_keys("mie")
    suggestion = web.wait_for("#search-suggestions a")
    assert suggestion.text == "Miel de châtaignier"
    assert web.axe() == []
    web.screenshots("customers-town-home")

    web.open("/villes/bourg/recherche/")
    web.click("a.chip[href*='category=epicerie']")
    web.wait_for("a.chip[aria-current][href*='category']")
    assert "1 produit" in web.text and "Miel de châtaignier" in web.text

    web.set_geolocation(45.001, 5.001)  # at the bakery's door
    web.open("/villes/bourg/recherche/")
    web.click("[data-locate]")
    web.wait_until(lambda d: "near=1" in d.current_url)
    assert "45.0" not in web.driver.current_url  # the position stays in the session
    names = [h.text for h in web.find_all(".results h3")]
    assert names == ["Baguette de tradition", "Miel de châtaignier"]
    assert "près de vous" in web.text and " km" in web.text
    assert web.axe() == []
    web.screenshots("customers-search-near-me")


def test_the_cart_tells_the_buyer_when_an_item_ran_out_meanwhile(web, shops):
    add_to_cart(web, "/villes/bourg/commerces/epicerie/miel/", 2, variant=shops.honey_small)
    Stock.objects.filter(variant=shops.honey_small).update(quantity=0)  # sold in the shop meanwhile

    web.open("/villes/bourg/panier/")

    assert "Épuisé depuis que vous l’avez mis dans votre panier" in web.text
    assert "ne sont plus disponibles dans la quantité choisie" in web.text
    assert web.axe() == []
    web.screenshots("customers-cart-sold-out")
    web.click("form[action$='/supprimer/'] button")
    wait_text(web, "Votre panier est vide")


def test_the_whole_purchase_works_with_javascript_off(web_nojs, shops):
    web = web_nojs
    web.open("/villes/bourg/")
    web.fill("#search-q", "miel")
    web.click("form.search button[type=submit]")
    web.wait_for("a[href='/villes/bourg/commerces/epicerie/miel/']").click()
    web.wait_for("select[name=variant]")
    web.find(f"select[name=variant] option[value='{shops.honey_small.pk}']").click()
    web.click("form.add-to-cart button[type=submit]")
    wait_text(web, "est dans votre panier")
    add_to_cart(web, "/villes/bourg/commerces/boulangerie/baguette/", 3)

    web.open("/villes/bourg/panier/")
    form = f"form[action='/villes/bourg/panier/livraison/{shops.grocer.pk}/']"
    web.click(f"{form} input[value=local_delivery]")
    web.click(f"{form} button[type=submit]")
    wait_text(web, "Mode de livraison enregistré")
    assert "15,30 €" in web.text
    web.screenshots("customers-nojs-cart")
    web.click("a.btn-primary[href$='/commande/']")
    web.fill("input[name=customer_name]", "Sacha Sans-JS")
    web.fill("input[name=email]", "sans-js@example.org")
    web.fill("textarea[name=delivery_address]", "3 rue des Abeilles, 01090 Montmerle")
    web.click("main form button[type=submit]")
    wait_text(web, "Merci ! Votre commande")

    order = Order.objects.get()
    assert web.path == f"/commandes/{order.token}/"
    assert order.status == OrderStatus.PAID and len(web.find_all("li.shop-order")) == 2
    web.screenshots("customers-nojs-confirmation")
