"""In a real browser: an htmx request the server refuses or cannot answer (htmx then swaps
nothing) says so in the page's messages, in French, and the page stays as it was; the pages of
a server error and of a conflict are accessible."""

import pytest

from marketplace.checkout.models import Checkout
from marketplace.storefront import cart_views, views
from tests.database import real_deadlock

pytestmark = pytest.mark.django_db(transaction=True)

BAGUETTE = "/villes/bourg/commerces/boulangerie/baguette/"


def test_an_add_to_cart_that_meets_a_conflict_says_to_try_again_and_adds_nothing(
    web, shops, cart_add_deadlocked
):
    web.open(BAGUETTE)

    web.click("form.add-to-cart button[type=submit]")

    web.wait_for_text("Quelqu’un a modifié les mêmes données au même moment")
    assert web.find("#messages li.error").text.endswith("Veuillez réessayer.")
    assert web.path == BAGUETTE and "Panier" in web.find("#cart-link").text
    assert not Checkout.objects.exists()
    assert web.axe() == []


def test_an_add_to_cart_that_fails_says_to_reload_the_page(web, shops, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cart_views, "checkout_create", broken)
    web.open(BAGUETTE)

    web.click("form.add-to-cart button[type=submit]")

    web.wait_for_text("Une erreur est survenue : rechargez la page")
    assert web.path == BAGUETTE
    assert not Checkout.objects.exists()


def test_the_server_error_and_try_again_pages_are_accessible_and_in_french(web, shops, monkeypatch):
    deadlock = real_deadlock()
    failures = iter([RuntimeError("a bug"), deadlock])

    def failing(_slug):
        raise next(failures)

    monkeypatch.setattr(views, "town_of", failing)

    web.open("/villes/bourg/")
    assert web.find("h1").text == "Une erreur est survenue"
    assert web.find("html").get_attribute("lang") == "fr"
    assert web.axe() == []
    web.open("/villes/bourg/")
    assert web.find("h1").text == "Veuillez réessayer"
    assert web.axe() == []


def test_a_forms_address_opened_as_a_page_is_accessible_and_leads_back_to_the_shops(web, shops):
    web.open("/villes/bourg/panier/lignes/1/")

    assert web.find("h1").text == "Cette adresse est celle d’un formulaire"
    assert web.axe() == []
    web.click("main a[href='/']")
    web.wait_for("main h1")
    assert web.path == "/"
