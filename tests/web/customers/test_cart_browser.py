"""The cart's in-place changes in a real browser (Debian's Chromium, htmx): the header follows,
errors are told next to their line and heard, the page keeps the shopper's place; axe-clean."""

import pytest

from tests.web.customers.test_purchase_browser import add_to_cart, wait_text

pytestmark = pytest.mark.django_db(transaction=True)


def cart_link_says(web, text):
    web.wait_until(lambda d: text in web.find("#cart-link").text)


def test_the_headers_cart_count_follows_a_quantity_set_to_zero_without_a_reload(web, shops):
    add_to_cart(web, "/villes/bourg/commerces/boulangerie/baguette/", 2)
    add_to_cart(web, "/villes/bourg/commerces/epicerie/miel/", 3, variant=shops.honey_small)
    web.open("/villes/bourg/panier/")
    assert "5 articles" in web.find("#cart-link").text
    web.driver.execute_script("window.notReloaded = true;")

    honey = "form.qty input[name=quantity][id^=qty-]:not([value='2'])"
    web.fill(honey, "0")
    web.find(honey).submit()

    cart_link_says(web, "2 articles")
    assert web.driver.execute_script("return window.notReloaded === true;")
    assert "Miel de châtaignier" not in web.find("#cart").text
    assert web.axe() == []
    web.click("form[action$='/supprimer/'] button")
    wait_text(web, "Votre panier est vide")
    web.wait_until(lambda d: "article" not in web.find("#cart-link").text)
