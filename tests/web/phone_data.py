"""What the phone-width browser tests share: a town as one has it (Saint-Rémy-de-Provence: long
French shop names, long emails, addresses, web addresses and references, a paid order, the month's
ledger), the window at a phone's width, and `PhoneCheck`, which opens pages at those widths and
collects what does not fit or fails axe. The fixtures `saint_remy` and `phone` (tests/web/conftest.py)
give them to the tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from marketplace.governance.approval import vendor_approve
from marketplace.governance.rules import commission_rule_create
from marketplace.orders.models import Order, ShopOrder
from marketplace.towns.models import TownStaffRole
from payments.ledger import ledger_record
from tests.factories import (
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
class PhoneTown:
    town: Any
    shop: Vendor
    product: Product
    shop_order: ShopOrder
    customer: Any
    owner: Any
    staff: Any
    applicant: Vendor
    rule_id: int


def saint_remy_town(settings: Any) -> PhoneTown:
    """Saint-Rémy-de-Provence (with the dummy payment gateway): a bakery of long name and email (its owner's too), a product of
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
    return PhoneTown(
        town, shop, product, shop_order, customer, owner, staff, applicant, int(rule.pk)
    )


def at_width(web: Any, width: int) -> None:
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
            at_width(self.web, width)
            measure = self.web.driver.execute_script(MEASURE_WIDTH)
            assert measure["clientWidth"] == measure["innerWidth"] == width
            if measure["scrollWidth"] > measure["clientWidth"]:
                self.faults[f"{name} at {width} px"] = measure
        at_width(self.web, PHONE_WIDTHS[0])
        violations = self.web.axe()
        if violations:
            self.faults[f"{name}: axe"] = violations
