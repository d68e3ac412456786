"""Every main page of the three audiences on a phone (360 and 390 px wide) in Chromium: the page
itself never scrolls sideways (a wide table scrolls inside its own named box, which is fine), and
axe-core passes. The data is as a town has it: long French shop names, long emails, addresses,
web addresses and references. One test per audience (customers, merchants, association).

Also: on a phone, the search button keeps its own height while the suggestions are open."""

from __future__ import annotations

import pytest

from marketplace.orders.models import Order
from tests.factories import PASSWORD
from tests.web.phone_data import (
    CUSTOMER_EMAIL,
    OWNER_EMAIL,
    PHONE_WIDTHS,
    STAFF_EMAIL,
    at_width,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_customers_pages_fit_a_phone(web, phone, saint_remy):
    town, shop = saint_remy.town.slug, saint_remy.shop.slug
    phone.open("home", "/")
    phone.open("town", f"/villes/{town}/", "#search-q")
    phone.open("shop", f"/villes/{town}/commerces/{shop}/")
    product_path = f"/villes/{town}/commerces/{shop}/{saint_remy.product.slug}/"
    phone.open("product", product_path, "form.add-to-cart")
    web.click("form.add-to-cart button[type=submit]")
    web.wait_for_text("est dans votre panier")
    phone.check("product, added to the cart")
    phone.open("search", f"/villes/{town}/recherche/?q=fougasse")
    web.find("#search-q").send_keys(" olives")
    web.wait_for("#search-suggestions [role=option]")
    phone.check("search, suggestions open")
    phone.open("cart", f"/villes/{town}/panier/")
    phone.open("checkout", f"/villes/{town}/commande/", "input[name=email]")
    web.fill("input[name=email]", "pas-une-adresse")
    web.find("main form button[type=submit]").click()
    web.wait_for(".error-summary")
    phone.check("checkout, errors")
    order = Order.objects.get(pk=saint_remy.shop_order.order_id)
    phone.open("order tracking", f"/commandes/{order.token}/")
    phone.open("login", "/compte/connexion/")
    phone.open("register", "/compte/inscription/")
    web.login(CUSTOMER_EMAIL, PASSWORD)
    phone.open("account", "/compte/")
    phone.open("account's order", f"/compte/commandes/{order.number}/")
    phone.open("my data", "/compte/mes-donnees/")
    phone.open("delete my account", "/compte/supprimer/")

    assert len(phone.pages) == 17
    assert phone.faults == {}, phone.report()


def test_merchants_pages_fit_a_phone(web, phone, saint_remy):
    base = f"/commercant/{saint_remy.town.slug}/{saint_remy.shop.slug}"
    web.login(OWNER_EMAIL, PASSWORD)
    phone.open("dashboard", f"{base}/")
    phone.open("catalogue", f"{base}/produits/")
    phone.open("product edit", f"{base}/produits/{saint_remy.product.pk}/", "#product-form")
    phone.open("new product", f"{base}/produits/nouveau/", "#product-form")
    phone.open("stock movements", f"{base}/stock/mouvements/")
    phone.open("low stock", f"{base}/stock/bas/")
    phone.open("orders", f"{base}/commandes/")
    phone.open("picking list", f"{base}/commandes/preparation/")
    phone.open("an order", f"{base}/commandes/{saint_remy.shop_order.pk}/")
    phone.open("money", f"{base}/argent/")
    phone.open("profile", f"{base}/boutique/")
    phone.open("team", f"{base}/equipe/")
    phone.open("import", f"{base}/import/")

    assert len(phone.pages) == 13
    assert phone.faults == {}, phone.report()


def test_association_pages_fit_a_phone(web, phone, saint_remy):
    base = f"/association/{saint_remy.town.slug}"
    order = Order.objects.get(pk=saint_remy.shop_order.order_id)
    web.login(STAFF_EMAIL, PASSWORD)
    phone.open("dashboard", f"{base}/")
    phone.open("shops", f"{base}/boutiques/")
    phone.open("a shop", f"{base}/boutiques/{saint_remy.shop.pk}/")
    phone.open("an application", f"{base}/boutiques/{saint_remy.applicant.pk}/")
    phone.open("orders", f"{base}/commandes/")
    phone.open("an order", f"{base}/commandes/{order.number}/")
    phone.open("rules", f"{base}/commission/")
    phone.open("a rule", f"{base}/commission/{saint_remy.rule_id}/")
    phone.open("settings", f"{base}/reglages/")
    phone.open("staff", f"{base}/equipe/")
    phone.open("journal", f"{base}/journal/")
    web.logout()
    phone.open("transparency", "/transparence/")
    phone.open("town's transparency", f"/transparence/{saint_remy.town.slug}/", "#month-figures")
    # at 360 px the categories' figures fit their box: it has nothing to scroll
    at_width(web, PHONE_WIDTHS[0])
    category_box = web.driver.execute_script(
        "const box = document.querySelector('#category-figures').parentElement;"
        "return [box.scrollWidth, box.clientWidth, box.innerText];"
    )
    assert "Épicerie fine et produits du terroir" in category_box[2]
    assert "1\u202f234,50\u00a0€" in category_box[2] and "61,73\u00a0€" in category_box[2]
    assert category_box[0] <= category_box[1]

    assert len(phone.pages) == 13
    assert phone.faults == {}, phone.report()


def test_on_a_phone_the_search_button_keeps_its_height_while_suggestions_are_open(
    web, phone, saint_remy
):
    web.open(f"/villes/{saint_remy.town.slug}/")
    button = web.find("form.search button[type=submit]")
    closed = button.rect

    web.find("#search-q").send_keys("fougasse")
    web.wait_for("#search-suggestions [role=option]")

    suggestions = web.find("#search-suggestions").rect
    assert suggestions["height"] > closed["height"]  # the list is open, below the field
    assert button.rect == closed  # neither stretched to the list's height nor moved
    assert web.find("#search-q").rect["height"] <= closed["height"]
