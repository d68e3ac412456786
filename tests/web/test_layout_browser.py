"""The shared layout in a real browser: French first, accessible, the same header and footer."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_home_page_opens_in_french_with_no_serious_accessibility_violation(web):
    web.console_errors()  # the shared browser's log: what earlier tests left is dropped
    web.open("/")

    assert web.driver.find_element("css selector", "html").get_attribute("lang") == "fr"
    assert "Où va l’argent" in web.text
    assert web.axe() == []
    icon = web.find("link[rel=icon]").get_attribute("href")
    assert web.driver.execute_script("return (await fetch(arguments[0])).status", icon) == 200
    assert web.console_errors() == []
    web.screenshots("layout-home")


def test_an_unknown_address_opens_the_not_found_page_accessible_and_in_french(web):
    web.open("/nulle-part/")

    assert web.find("h1").text == "Page introuvable"
    assert web.driver.title.startswith("Page introuvable · ")
    assert web.axe() == []
    web.click("main a[href='/']")
    web.wait_until(lambda _driver: web.path == "/")


def test_the_login_page_logs_a_customer_in_and_out(web, django_user_model):
    django_user_model.objects.create_user(email="client@example.org", password="demo-password-1")

    web.login("client@example.org", "demo-password-1")
    assert web.find("form[action$='/compte/deconnexion/']")
    web.find("form[action$='/compte/deconnexion/'] button").click()
    web.wait_for("a[href^='/compte/connexion/']")


def test_pages_work_with_javascript_off(web_nojs):
    web_nojs.open("/compte/connexion/")

    assert web_nojs.find("input[name=username]")
