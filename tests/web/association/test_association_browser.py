"""Journeys of the association in a real browser: approve an application, create a rule with a
validity window, then the public page shows the rule and the month's figures as the ledger has
them; another town's staff get a 404. axe-core finds no serious or critical violation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.support.ui import Select

from marketplace.governance.models import CommissionRule
from payments.ledger import ledger_record, ledger_totals_by_kind
from tests.factories import PASSWORD, CategoryFactory, ShopOrderFactory, VendorFactory
from vendors.models import Vendor, VendorStatus

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


def _set(web, css, value):
    """datetime-local inputs take their value in ISO form whatever the browser's language."""
    web.driver.execute_script("arguments[0].value = arguments[1];", web.find(css), value)


def _book_a_sale(town, vendor):
    shop_order = ShopOrderFactory(
        order__town=town, vendor=vendor, subtotal=D("42.50"), commission=D("2.13")
    )
    common = {
        "currency": "EUR",
        "town_id": town.pk,
        "order_id": shop_order.order_id,
        "shop_order_id": shop_order.pk,
        "vendor_id": vendor.pk,
        "occurred_at": timezone.now(),
    }
    ledger_record(key="b:charge", kind="charge", amount=D("42.50"), **common)
    ledger_record(key="b:share", kind="shop_share", amount=D("40.37"), **common)
    ledger_record(key="b:commission", kind="commission", amount=D("2.13"), **common)
    ledger_record(key="b:fee", kind="stripe_fee", amount=D("0.89"), **common)
    ledger_record(key="b:transfer", kind="transfer", amount=D("40.37"), **common)


def test_staff_approve_an_application_and_create_a_rule_then_the_public_page_shows_both(
    web, rennes, rennes_admin
):
    bakery = CategoryFactory(slug="boulangerie", name="Boulangerie")
    applicant = VendorFactory(
        town=rennes, status=VendorStatus.PENDING, name="Le Nouveau Fournil", category=bakery
    )
    _book_a_sale(rennes, VendorFactory(town=rennes, category=bakery, name="La Fournée"))

    web.login(rennes_admin.email, PASSWORD)
    web.open("/association/")
    assert web.path == "/association/rennes/"
    assert "1\ncandidatures en attente" in web.text
    assert web.axe() == []
    web.screenshots("association-dashboard")

    web.open("/association/rennes/boutiques/")
    web.driver.find_element("link text", "Le Nouveau Fournil").click()
    web.wait_for("#approve")
    assert web.axe() == []
    web.screenshots("association-application")
    web.click("#approve")
    # Wait for the next page's message (the old page's body goes stale while it loads).
    assert "Le Nouveau Fournil est approuvée" in web.wait_for(".messages").text
    assert Vendor.objects.get(pk=applicant.pk).status == VendorStatus.APPROVED

    web.open("/association/rennes/commission/")
    Select(web.find("#id_rule-vendor")).select_by_visible_text("Le Nouveau Fournil")
    web.fill("#id_rule-percentage", "3,5")
    start = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT08:00")
    until = (timezone.localtime() + timedelta(days=31)).strftime("%Y-%m-%dT08:00")
    _set(web, "#id_rule-valid_from", start)
    _set(web, "#id_rule-valid_until", until)
    web.find("form[action$='/commission/nouvelle/'] button[type=submit]").click()
    assert "est enregistrée" in web.wait_for(".messages").text
    rule = CommissionRule.objects.get(vendor=applicant)
    assert (rule.percentage, rule.valid_until - rule.valid_from) == (D("3.500"), timedelta(days=30))
    # The preview (htmx swaps the answer in; without JavaScript the form reloads the page).
    Select(web.find("#id_preview-vendor")).select_by_visible_text("Le Nouveau Fournil")
    web.fill("#id_preview-goods", "50")
    _set(web, "#id_preview-at", start.replace("T08:00", "T09:00"))
    web.find("#preview button[type=submit]").click()
    quote = web.wait_for(".quote").text.replace("\u00a0", " ")
    assert "preview-vendor" not in web.driver.current_url  # swapped in place by htmx
    assert (
        f"Le Nouveau Fournil paierait 1,75 € sur une commande de 50,00 €, selon la règle n° {rule.pk}"
        in quote
    )
    assert web.axe() == []
    web.screenshots("association-rules")

    web.logout()
    web.open("/")
    web.driver.find_element("link text", "Où va l’argent").click()
    web.driver.find_element("link text", "Rennes").click()
    web.wait_for("#month-figures")
    in_force = web.find("#rules-in-force").text
    assert f"{rule.pk} Commerce Le Nouveau Fournil 3,5 %" in in_force
    assert "Programmée" in in_force
    now = timezone.localtime()
    totals = ledger_totals_by_kind(town_id=rennes.pk, year=now.year, month=now.month)
    figures = {
        # Selenium gives the text with plain spaces where the page has no-break spaces.
        cell.get_attribute("data-figure"): cell.text.replace("\u00a0", " ")
        for cell in web.find_all("#month-figures td[data-figure]")
    }
    assert totals["charge"] == D("42.50") and figures["gross"] == "42,50 €"
    assert totals["commission"] == D("2.13") and figures["commission"] == "2,13 €"
    assert totals["stripe_fee"] == D("0.89") and figures["stripe_fees"] == "0,89 €"
    assert totals["transfer"] == D("40.37") and figures["transfers"] == "40,37 €"
    assert figures["refunds"] == figures["disputes"] == "0,00 €"
    assert len(web.find_all("svg[role=img] title")) == 3
    assert web.axe() == []
    web.screenshots("transparency-town")


def test_nancy_staff_cannot_open_the_back_office_of_rennes(web, rennes, nancy_admin):
    web.login(nancy_admin.email, PASSWORD)

    web.open("/association/rennes/")

    assert "Rennes" not in web.text
    assert web.find("h1").text == "Page introuvable"
    web.open("/association/")
    assert web.path == "/association/nancy/"


def test_the_rule_settings_staff_and_audit_pages_are_accessible(web, rennes, rennes_admin):
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING, name="La Petite Reine")
    web.login(rennes_admin.email, PASSWORD)
    web.open(f"/association/rennes/boutiques/{shop.pk}/")
    web.click("#approve")
    web.wait_for(".messages")

    for path in ("/association/rennes/reglages/", "/association/rennes/equipe/"):
        web.open(path)
        assert web.axe() == [], path
    web.open("/association/rennes/journal/?action=vendor.approve")
    assert "Commerce approuvé" in web.text
    assert web.axe() == []
    web.screenshots("association-audit")


def test_staff_suspend_a_shop_after_a_step_that_counts_its_paid_orders(web, rennes, rennes_admin):
    # given an approved shop with two paid orders it has not handed over
    shop = VendorFactory(town=rennes, status=VendorStatus.APPROVED, name="Épicerie Lune")
    for status in ("paid", "accepted"):
        ShopOrderFactory(order__town=rennes, vendor=shop, status=status)

    web.login(rennes_admin.email, PASSWORD)
    web.open(f"/association/rennes/boutiques/{shop.pk}/")
    web.fill("textarea[name=suspend-reason]", "Impayés")
    web.click("form[action$='/suspend/'] button[type=submit]")

    # a step says the orders go on, before anything is done
    preview = web.wait_for("#suspend-preview").text
    assert "Il a 2 commandes payées qu’il n’a pas encore remises." in preview
    assert Vendor.objects.get(pk=shop.pk).status == VendorStatus.APPROVED
    assert web.axe() == []
    web.screenshots("association-suspend-confirm")
    web.click("button[name=confirm]")
    assert "Épicerie Lune est suspendue" in web.wait_for(".messages").text
    assert Vendor.objects.get(pk=shop.pk).status == VendorStatus.SUSPENDED
