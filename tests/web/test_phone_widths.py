"""Every main page of the three audiences on a phone (360 and 390 px wide) in Chromium: the page
itself never scrolls sideways (a wide table scrolls inside its own named box, which is fine), and
axe-core passes. The data is as a town has it: long French shop names, long emails, addresses,
web addresses and references. One test per audience (customers, merchants, association).

Also: on a phone, the search button keeps its own height while the suggestions are open."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from marketplace.governance.approval import vendor_approve
from marketplace.governance.rules import commission_rule_create
from marketplace.orders.models import Order, ShopOrder
from marketplace.towns.models import TownStaffRole
from payments.ledger import ledger_record
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    ProductFactory,
    ShopOrderFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)
from tests.web.merchants.helpers import paid_order
from vendors.models import FulfilmentMethodName, Product, Vendor, VendorStatus

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
PHONE_WIDTHS = (360, 390)
PHONE_HEIGHT = 780
# Hours as French shops keep them: closed at lunch, a break on market day, Sunday morning.
HOURS = {day: "07:30-13:00,15:30-19:30" for day in ("tue", "wed", "thu", "fri")} | {
    "sat": "06:30-12:30,14:00-16:00,16:30-19:30",
    "sun": "07:30-12:30",
}

SHOP_NAME = "Boulangerie-Pâtisserie du Vieux-Marché et des Remparts de Saint-Rémy"
SHOP_EMAIL = "commandes.boulangerie-patisserie-du-vieux-marche@saint-remy-de-provence.example.org"
SHOP_DESCRIPTION = (
    "Pains au levain naturel, viennoiseries pur beurre et gâteaux de fête, cuits chaque matin "
    "au feu de bois. Commandes : https://www.boulangerie-du-vieux-marche-saint-remy.example.org"
    "/commandes-de-fetes-et-pieces-montees — ou écrivez à " + SHOP_EMAIL + ". Nos photos : "
    "https://www.instagram.com/boulangeriedelaplacesaintremydeprovence, notre ancienne adresse : "
    "boulangeriedelaplace.saintremydeprovence@orange.fr"
)
PRODUCT_NAME = "Fougasse aux olives de la vallée des Baux-de-Provence et fleur de sel de Camargue"
SKU = "FOUGASSE-OLIVES-BAUX-DE-PROVENCE-FLEUR-DE-SEL-500G"
CUSTOMER_EMAIL = "marie-christine.dupont-lefebvre@fournisseur-d-acces-regional.example.fr"
OWNER_EMAIL = "jean-baptiste.de-la-fontaine-des-remparts@boulangerie-saint-remy.example.org"
STAFF_EMAIL = "coordination.commerce-de-proximite@association-saint-remy-de-provence.example.org"
ADDRESS = (
    "Résidence Les Oliviers du Vieux-Moulin, bâtiment C, escalier 4, appartement 1207, "
    "chemin de la Croix-Blanche-et-des-Anciens-Combattants, 13210 Saint-Rémy-de-Provence"
)

# The page's width and, when it is wider than the window, the elements that stick out first
# (those whose parent does not): what to fix.
MEASURE_WIDTH = """
const width = document.documentElement.clientWidth;
const out = el => el.getBoundingClientRect().right > width + 0.5;
const clipped = el => {
  if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return false;
  for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
    if (getComputedStyle(box).overflowX !== 'visible') return true;
  }
  return false;
};
const culprits = [...document.body.querySelectorAll('*')]
  .filter(el => el.getClientRects().length && out(el) && !out(el.parentElement) && !clipped(el))
  .slice(0, 6)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : '')
    + ' ' + Math.round(el.getBoundingClientRect().width) + 'px');
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        clientWidth: width, culprits: culprits};
"""


@dataclass
class Town:
    town: Any
    shop: Vendor
    product: Product
    shop_order: ShopOrder
    customer: Any
    owner: Any
    staff: Any
    applicant: Vendor
    rule_id: int


@pytest.fixture
def saint_remy(dummy: Any, settings: Any) -> Town:
    """Saint-Rémy-de-Provence: a bakery of long name and email (its owner's too), a product of
    long name and reference, a paid order of a customer of long email and address, an application
    waiting, a commission rule, the month's sale in the ledger, the association's admin."""
    settings.SEARCH_BACKEND = "database"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    town = TownFactory(
        slug="saint-remy-de-provence",
        name="Saint-Rémy-de-Provence",
        timezone="Europe/Paris",
    )
    bread = CategoryFactory(slug="boulangerie", name="Boulangerie", vat_rate=D("5.50"))
    shop = VendorFactory(
        town=town,
        slug="boulangerie-du-vieux-marche",
        name=SHOP_NAME,
        email=SHOP_EMAIL,
        phone="+33 4 90 92 00 00",
        description=SHOP_DESCRIPTION,
        category=bread,
        street="12 boulevard Victor-Hugo-et-des-Remparts-Sud",
        postal_code="13210",
        city="Saint-Rémy-de-Provence",
        opening_hours=HOURS,
        methods={
            FulfilmentMethodName.PICKUP: D("0.00"),
            FulfilmentMethodName.LOCAL_DELIVERY: D("4.90"),
        },
    )
    owner = UserFactory(email=OWNER_EMAIL, first_name="Jean-Baptiste")
    VendorMemberFactory(vendor=shop, user=owner)
    product = ProductFactory(
        vendor=shop,
        slug="fougasse-aux-olives",
        name=PRODUCT_NAME,
        description="Pâte à pain à l’huile d’olive de la vallée des Baux, olives noires "
        "dénoyautées, fleur de sel : https://www.boulangerie-du-vieux-marche-saint-remy.example.org"
        "/nos-produits/fougasse-aux-olives-de-la-vallee-des-baux",
        category=bread,
    )
    VariantFactory(product=product, sku=SKU, name="La grande de 500 g", price=D("6.80"), stock=25)
    VariantFactory(
        product=product, sku=SKU + "-X", name="La petite de 250 g", price=D("3.90"), stock=0
    )

    customer = UserFactory(email=CUSTOMER_EMAIL, first_name="Marie-Christine")
    shop_order = paid_order(town, shop, goods="27.20", fee="4.90", email=CUSTOMER_EMAIL)
    Order.objects.filter(pk=shop_order.order_id).update(
        user=customer,
        customer_name="Marie-Christine Dupont-Lefebvre de la Tour-Saint-Jacques",
        phone="+33 6 12 34 56 78",
        delivery_address=ADDRESS,
    )
    ShopOrder.objects.filter(pk=shop_order.pk).update(delivery_method="local_delivery")

    staff = UserFactory(email=STAFF_EMAIL, first_name="Dominique")
    TownStaffFactory(town=town, user=staff, role=TownStaffRole.ADMIN)
    applicant = VendorFactory(
        town=town,
        status=VendorStatus.PENDING,
        slug="fromagerie",
        name="Fromagerie-Crèmerie des Alpilles et de la Montagnette (affineur)",
        email="bonjour.fromagerie-cremerie-des-alpilles@affineurs-de-provence.example.org",
        description="Fromages fermiers affinés en cave : https://www.fromagerie-des-alpilles"
        ".example.org/nos-fromages-de-chevre-et-de-brebis",
        category=CategoryFactory(slug="cremerie", name="Crèmerie-Fromagerie", vat_rate=D("5.50")),
    )
    # an approved shop of the journal, a rule for the bakery
    journal_shop = VendorFactory(
        town=town,
        status=VendorStatus.PENDING,
        name="Épicerie fine de l’Alpilles",
        category=CategoryFactory(slug="epicerie-fine", name="Épicerie fine et produits du terroir"),
    )
    vendor_approve(vendor_id=journal_shop.pk, actor=staff)
    rule = commission_rule_create(
        town_id=town.pk,
        vendor_id=shop.pk,
        category_id=bread.pk,
        percentage=D("3.5"),
        fixed_amount=D("0.25"),
        min_amount=D("0.50"),
        max_amount=D("12.00"),
        valid_from=timezone.now() + timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=365),
        actor=staff,
    )
    common = {
        "currency": "EUR",
        "town_id": town.pk,
        "order_id": shop_order.order_id,
        "shop_order_id": shop_order.pk,
        "vendor_id": shop.pk,
        "occurred_at": timezone.now(),
    }
    for kind, amount in (
        ("charge", "32.10"),
        ("shop_share", "30.49"),
        ("commission", "1.61"),
        ("stripe_fee", "0.73"),
    ):
        ledger_record(key=f"phone:{kind}", kind=kind, amount=D(amount), **common)
    # the grocer's month: four figures of sales
    grocer_order = ShopOrderFactory(
        order__town=town, vendor=journal_shop, subtotal=D("1234.50"), commission=D("61.73")
    )
    for kind, amount in (("charge", "1234.50"), ("commission", "61.73")):
        ledger_record(
            key=f"phone:grocer:{kind}",
            kind=kind,
            amount=D(amount),
            **common
            | {
                "order_id": grocer_order.order_id,
                "shop_order_id": grocer_order.pk,
                "vendor_id": journal_shop.pk,
            },
        )
    return Town(town, shop, product, shop_order, customer, owner, staff, applicant, int(rule.pk))


def _at_width(web: Any, width: int) -> None:
    """The page itself `width` px wide (the window's frame takes some of the window's width)."""
    web.driver.set_window_size(width, PHONE_HEIGHT)
    inner = web.driver.execute_script("return window.innerWidth")
    if inner != width:
        web.driver.set_window_size(width + width - inner, PHONE_HEIGHT)
    assert web.driver.execute_script("return window.innerWidth") == width


class PhoneCheck:
    """Opens pages at the phone's widths and collects what does not fit or fails axe, so that one
    run names every page at fault."""

    def __init__(self, web: Any) -> None:
        self.web = web
        self.faults: dict[str, Any] = {}
        self.pages: list[str] = []

    def open(self, name: str, path: str, wait_for: str = "main") -> None:
        self.web.open(path)
        self.web.wait_for(wait_for)
        self.check(name)

    def report(self) -> str:
        return json.dumps(self.faults, indent=1, ensure_ascii=False)

    def check(self, name: str) -> None:
        """The open page at each phone width: no sideways scroll; axe at the narrowest."""
        self.pages.append(name)
        for width in PHONE_WIDTHS:
            _at_width(self.web, width)
            measure = self.web.driver.execute_script(MEASURE_WIDTH)
            assert measure["clientWidth"] == measure["innerWidth"] == width
            if measure["scrollWidth"] > measure["clientWidth"]:
                self.faults[f"{name} at {width} px"] = measure
        _at_width(self.web, PHONE_WIDTHS[0])
        violations = self.web.axe()
        if violations:
            self.faults[f"{name}: axe"] = violations


@pytest.fixture
def phone(web: Any) -> Iterator[PhoneCheck]:
    """The browser as a phone's: its scrollbars drawn over the page (they take no width)."""
    web.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
    _at_width(web, PHONE_WIDTHS[0])
    yield PhoneCheck(web)
    web.driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})


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
    _at_width(web, PHONE_WIDTHS[0])
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
