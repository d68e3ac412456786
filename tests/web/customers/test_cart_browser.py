"""The cart's in-place changes in a real browser (Debian's Chromium, htmx): the header follows,
errors are told next to their line and heard, the page keeps the shopper's place; axe-clean."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.web.customers.test_purchase_browser import add_to_cart, wait_text
from vendors.models import Stock

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


def test_a_sold_out_product_shows_no_add_button_and_a_sold_out_choice_cannot_be_picked(web, shops):
    Stock.objects.filter(variant=shops.baguette).update(quantity=0)
    Stock.objects.filter(variant=shops.honey_small).update(quantity=0)

    web.open("/villes/bourg/commerces/boulangerie/baguette/")
    assert web.find_all("form.add-to-cart") == []
    assert "Épuisé · Ce produit ne peut pas être commandé pour le moment." in web.text
    assert web.axe() == []
    web.screenshots("customers-product-sold-out")

    web.open("/villes/bourg/commerces/epicerie/miel/")
    small = web.find(f"select[name=variant] option[value='{shops.honey_small.pk}']")
    assert small.get_attribute("disabled") == "true" and small.text == "250 g (épuisé)"
    assert web.find("select[name=variant]").get_attribute("value") == str(shops.honey_big.pk)
    assert web.axe() == []
    web.click("form.add-to-cart button[type=submit]")
    wait_text(web, "est dans votre panier")


def test_a_refused_quantity_is_told_on_its_line_heard_and_the_shopper_keeps_their_place(web, shops):
    add_to_cart(web, "/villes/bourg/commerces/boulangerie/baguette/", 1)
    # the add button's news is beside it, in a live region (not at the top, off-screen)
    web.open("/villes/bourg/commerces/epicerie/miel/")
    web.find(f"select[name=variant] option[value='{shops.honey_big.pk}']").click()
    web.fill("input[name=quantity]", "3")
    web.click("form.add-to-cart button[type=submit]")
    web.wait_until(lambda d: "il n’en reste que 2" in web.find("#add-status").text)
    assert web.find("#add-status").get_attribute("role") == "status"
    assert web.find("#messages").text == ""
    assert web.axe() == []
    add_to_cart(web, "/villes/bourg/commerces/epicerie/miel/", 1, variant=shops.honey_small)

    web.driver.set_window_size(390, 844)  # a phone: the honey's line is further down
    web.open("/villes/bourg/panier/")
    web.driver.execute_script("window.notReloaded = true;")
    honey = web.find_all("form.qty input[name=quantity]")[1]
    line_id = honey.get_attribute("id").removeprefix("qty-")
    web.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", honey)
    scrolled = web.driver.execute_script("return window.scrollY;")
    honey.clear()
    honey.send_keys("30", Keys.ENTER)

    error = web.wait_for(f"#qty-error-{line_id}")
    assert error.text == "Stock insuffisant : il n’en reste que 5."
    assert web.driver.execute_script("return window.notReloaded === true;")
    # heard: the page's live region (outside the swapped cart) names the line
    status = web.find("#cart-status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("textContent") == (
        "Miel de châtaignier\u00a0: Stock insuffisant\u00a0: il n’en reste que 5."
    )
    # the place kept: focus still in the honey's quantity (what was typed), the page not moved
    focused = web.driver.switch_to.active_element
    assert focused.get_attribute("id") == f"qty-{line_id}"
    assert focused.get_attribute("value") == "30"
    assert focused.get_attribute("aria-describedby") == f"qty-error-{line_id}"
    assert abs(web.driver.execute_script("return window.scrollY;") - scrolled) < 5
    assert web.axe() == []
    web.screenshots("customers-cart-line-error")


def test_a_failed_checkout_shows_every_error_in_a_summary_that_takes_the_focus(web, shops):
    add_to_cart(web, "/villes/bourg/commerces/epicerie/miel/", 1, variant=shops.honey_small)
    web.open("/villes/bourg/panier/")
    web.click("input[name=method][value=local_delivery]")
    wait_text(web, "11,40 €")
    web.open("/villes/bourg/commande/")
    web.fill("input[name=email]", "pas-un-email")
    web.fill("input[name=phone]", "abc")

    web.click("main form button[type=submit]")

    summary = web.wait_for("#error-summary")
    assert web.driver.switch_to.active_element == summary
    links = [a.text for a in summary.find_elements(By.TAG_NAME, "a")]
    assert links == [
        "Votre nom : Indiquez votre nom : les commerces vous remettent la commande à ce nom.",
        "Adresse e-mail : Saisissez une adresse e-mail valide.",
        "Téléphone (facultatif) : Saisissez un numéro de téléphone (chiffres, espaces, +).",
        "Adresse de livraison : Un commerce vous livre : indiquez l’adresse de livraison.",
    ]
    assert web.axe() == []
    web.screenshots("customers-checkout-errors")
    summary.find_element(By.CSS_SELECTOR, "a[href='#id_phone']").click()
    assert web.driver.switch_to.active_element.get_attribute("id") == "id_phone"
    assert web.find("#id_phone").get_attribute("value") == "abc"
