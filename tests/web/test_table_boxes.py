"""Every data table of the three audiences sits in one kind of scroll box (the `table_box` tag): a
region named by the table's caption or heading, which takes the keyboard's focus. On a 360 px phone,
with a town's long data (Saint-Rémy-de-Provence, tests/web/phone_data.py, plus a refund, a transfer
that failed and a catalogue import with errors), each box that overflows is reached with Tab, shows
its focus and scrolls sideways with the arrow keys; axe passes (scrollable-region-focusable among
its rules). One test per audience (customers, merchants, association)."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template, TemplateSyntaxError
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from marketplace.orders.models import Order, OrderLine
from marketplace.storefront.merchant.models import CatalogImportJob, ImportJobStatus
from payments.models import Refund, RefundStatus, Transfer, TransferStatus
from tests.factories import PASSWORD
from tests.web.phone_data import (
    CUSTOMER_EMAIL,
    OWNER_EMAIL,
    PHONE_WIDTHS,
    PRODUCT_NAME,
    SKU,
    STAFF_EMAIL,
    PhoneCheck,
    PhoneTown,
    at_width,
)
from vendors.models import StockMovementReason, Variant
from vendors.stock_updates import stock_adjust

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
REFUND_REASON = (
    "Fougasse arrivée écrasée : remboursement demandé par la cliente au téléphone, "
    "voir https://www.boulangerie-du-vieux-marche-saint-remy.example.org/reclamations/2026-000123"
)
TRANSFER_ERROR = (
    "account_invalid: acct_1QeXampleSaintRemyBoulangerieVieuxMarche_requirements_past_due"
)
SCROLL_SECONDS = 3
# A reference as a shop's till writes it: one word, no hyphen where a line could break.
LINE_SKU = "FOUGASSE_OLIVES_BAUX_DE_PROVENCE_FLEUR_DE_SEL_500G"
IMPORT_FILE = "catalogue-boulangerie-patisserie-du-vieux-marche-saint-remy-2026-12.csv"

# Each table of the page: whether its box is the one kind (a named region that takes the focus),
# the box's name as a screen reader reads it (its caption's, when it has one), and whether it
# overflows (the closed <details> of
# the page are opened first, so that the tables in them are measured too).
TABLE_BOXES = """
document.querySelectorAll('details').forEach(d => { d.open = true; });
const nameOf = box => {
  const ids = (box.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
  const text = ids.map(id => document.getElementById(id))
    .map(el => el ? el.textContent : '').join(' ');
  return (text || box.getAttribute('aria-label') || '').replace(/\\s+/g, ' ').trim();
};
return [...document.querySelectorAll('table')].map((table, index) => {
  const box = table.parentElement;
  return {
    index: index,
    caption: table.caption ? table.caption.textContent.replace(/\\s+/g, ' ').trim() : '',
    boxed: box.classList.contains('table-wrap') && box.children.length === 1,
    role: box.getAttribute('role'),
    tabindex: box.getAttribute('tabindex'),
    name: nameOf(box),
    overflows: box.scrollWidth > box.clientWidth,
  };
});
"""
# Puts the focus on the focusable element just before the index-th table's box in the page's
# order (outside the box), so that the next Tab goes where a keyboard user's would.
FOCUS_BEFORE_BOX = """
const box = document.querySelectorAll('table')[arguments[0]].parentElement;
const focusable = [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length
    && !box.contains(el) && el !== box
    && (el.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING));
const before = focusable[focusable.length - 1];
before.focus();
return before.outerHTML.slice(0, 80);
"""
FOCUSED_BOX = """
const box = document.querySelectorAll('table')[arguments[0]].parentElement;
const style = getComputedStyle(box);
return {focused: document.activeElement === box, outline: style.outlineStyle,
        outlineWidth: style.outlineWidth, scrollLeft: box.scrollLeft, pageScrollX: window.scrollX};
"""


@pytest.fixture
def wide_tables(saint_remy: PhoneTown) -> PhoneTown:
    """Saint-Rémy's bakery order, its line of the fougasse (a long reference), with a refund that failed (a long reason and error, asked by the
    owner of long email), its transfer that failed, two fougasses lost (a stock movement with a
    note), and a catalogue check of long file name whose
    rows had errors."""
    shop_order = saint_remy.shop_order
    OrderLine.objects.filter(shop_order=shop_order).update(
        product_name=PRODUCT_NAME, variant_name="La grande de 500 g", sku=LINE_SKU
    )
    Refund.objects.create(
        shop_order=shop_order,
        sequence=1,
        status=RefundStatus.FAILED,
        amount=D("6.80"),
        currency="EUR",
        shop_share=D("6.80"),
        commission_refunded=D("0.00"),
        reason=REFUND_REASON,
        last_error=TRANSFER_ERROR,
        requested_by=saint_remy.owner,
    )
    Transfer.objects.update_or_create(
        shop_order=shop_order,
        defaults={
            "vendor": saint_remy.shop,
            "status": TransferStatus.PENDING,
            "amount": shop_order.payout,
            "currency": "EUR",
            "last_error": TRANSFER_ERROR,
            "attempts": 3,
        },
    )
    stock_adjust(
        variant_id=Variant.objects.get(sku=SKU).pk,
        delta=-2,
        reason=StockMovementReason.LOSS,
        user=saint_remy.owner,
        note="Deux fougasses tombées du présentoir au marché du samedi, place de la République",
    )
    CatalogImportJob.objects.create(
        vendor=saint_remy.shop,
        user=saint_remy.owner,
        filename=IMPORT_FILE,
        content=b"",
        rows=2,
        dry_run=True,
        status=ImportJobStatus.DONE,
        report={
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "errors": [
                {
                    "line": 2,
                    "field": "sku",
                    "code": "invalid",
                    "message": f"Référence déjà prise par un autre produit : {SKU}-X",
                },
                {
                    "line": 3,
                    "field": "price",
                    "code": "invalid",
                    "message": "Prix illisible : « 6,80€TTC_le_kilo_au_marché_du_samedi_matin »",
                },
            ],
        },
    )
    return saint_remy


class TableBoxCheck:
    """Opens pages at 360 px and collects, per page, the tables not in a named box that takes the
    focus, the overflowing boxes that Tab does not reach or the arrow keys do not scroll, and axe's
    violations, so that one run names every fault."""

    def __init__(self, web: Any) -> None:
        self.web = web
        self.faults: dict[str, Any] = {}
        self.overflowing: dict[str, list[str]] = {}

    def report(self) -> str:
        return json.dumps(self.faults, indent=1, ensure_ascii=False)

    def open(self, name: str, path: str, wait_for: str = "main table") -> None:
        self.web.open(path)
        self.web.wait_for(wait_for)
        self.check(name)

    def check(self, name: str) -> None:
        at_width(self.web, PHONE_WIDTHS[0])
        tables = self.web.driver.execute_script(TABLE_BOXES)
        unnamed = [
            table
            for table in tables
            if not (
                table["boxed"]
                and table["role"] == "region"
                and table["tabindex"] == "0"
                and table["name"]
                and table["name"] == (table["caption"] or table["name"])
            )
        ]
        if unnamed:
            self.faults[f"{name}: tables not in a named box that takes the focus"] = unnamed
        self.overflowing[name] = []
        for table in tables:
            if table["overflows"] and table not in unnamed:
                self.overflowing[name].append(table["name"])
                self.keyboard(name, table)
        violations = self.web.axe()
        if violations:
            self.faults[f"{name}: axe"] = violations

    def keyboard(self, name: str, table: dict[str, Any]) -> None:
        """Tab from the element before the box reaches it, its focus is drawn, and the right
        arrow scrolls it sideways (the page itself stays put)."""
        driver = self.web.driver
        before = driver.execute_script(FOCUS_BEFORE_BOX, table["index"])
        ActionChains(driver).send_keys(Keys.TAB).perform()
        tabbed = driver.execute_script(FOCUSED_BOX, table["index"])
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT * 4).perform()
        # the browser scrolls smoothly: the box has moved a moment after the keys
        with contextlib.suppress(TimeoutException):
            self.web.wait_until(
                lambda d: d.execute_script(FOCUSED_BOX, table["index"])["scrollLeft"] > 0,
                timeout=SCROLL_SECONDS,
            )
        scrolled = driver.execute_script(FOCUSED_BOX, table["index"])
        if not (
            tabbed["focused"]
            and tabbed["outline"] == "solid"
            and tabbed["outlineWidth"] == "3px"
            and tabbed["scrollLeft"] == 0
            and scrolled["focused"]
            and scrolled["scrollLeft"] > 0
            and scrolled["pageScrollX"] == 0
        ):
            self.faults[f"{name}: keyboard in « {table['name']} »"] = {
                "Tab from": before,
                "after Tab": tabbed,
                "after the arrows": scrolled,
            }


@pytest.fixture
def tables(phone: PhoneCheck) -> TableBoxCheck:
    return TableBoxCheck(phone.web)


def test_the_box_is_a_named_region_that_takes_the_focus():
    by_id = Template(
        '{% load table_box %}{% table_box labelledby="lines-h" %}<table></table>{% endtable_box %}'
    )
    by_text = Template(
        "{% load table_box %}{% table_box label=title %}<table></table>{% endtable_box %}"
    )

    assert by_id.render(Context()) == (
        '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="lines-h">'
        "<table></table></div>"
    )
    assert by_text.render(Context({"title": "Règles « en vigueur » & programmées"})) == (
        '<div class="table-wrap" role="region" tabindex="0" '
        'aria-label="Règles « en vigueur » &amp; programmées"><table></table></div>'
    )


def test_a_box_without_a_name_is_refused():
    unnamed = Template("{% load table_box %}{% table_box %}<table></table>{% endtable_box %}")

    with pytest.raises(TemplateSyntaxError, match="labelledby"):
        unnamed.render(Context())


def test_customers_tables_scroll_in_named_boxes_on_a_phone(web, tables, wide_tables):
    town, shop = wide_tables.town.slug, wide_tables.shop.slug
    tables.open("shop", f"/villes/{town}/commerces/{shop}/")
    tables.open("product", f"/villes/{town}/commerces/{shop}/{wide_tables.product.slug}/")
    web.click("form.add-to-cart button[type=submit]")
    web.wait_for_text("est dans votre panier")
    tables.open("checkout", f"/villes/{town}/commande/")
    web.login(CUSTOMER_EMAIL, PASSWORD)
    tables.open("account", "/compte/")

    assert tables.faults == {}, tables.report()
    # the shop's hours, a product's choices and the order's summary fit 360 px; the orders do not
    assert tables.overflowing == {
        "shop": [],
        "product": [],
        "checkout": [],
        "account": ["Mes commandes"],
    }


def test_merchants_tables_scroll_in_named_boxes_on_a_phone(web, tables, wide_tables):
    base = f"/commercant/{wide_tables.town.slug}/{wide_tables.shop.slug}"
    job = CatalogImportJob.objects.get(vendor=wide_tables.shop)
    web.login(OWNER_EMAIL, PASSWORD)
    tables.open("catalogue", f"{base}/produits/")
    tables.open("product edit", f"{base}/produits/{wide_tables.product.pk}/")
    tables.open("stock movements", f"{base}/stock/mouvements/")
    tables.open("low stock", f"{base}/stock/bas/")
    tables.open("orders", f"{base}/commandes/")
    tables.open("picking list", f"{base}/commandes/preparation/")
    tables.open("an order", f"{base}/commandes/{wide_tables.shop_order.pk}/")
    tables.open("money", f"{base}/argent/")
    tables.open("team", f"{base}/equipe/")
    tables.open("import", f"{base}/import/")
    tables.open("an import's errors", f"{base}/import/{job.pk}/")

    assert tables.faults == {}, tables.report()
    assert [page for page, boxes in tables.overflowing.items() if not boxes] == []
    assert tables.overflowing["an order"] == ["Lignes", "Remboursements"]


def test_association_tables_scroll_in_named_boxes_on_a_phone(web, tables, wide_tables):
    base = f"/association/{wide_tables.town.slug}"
    order = Order.objects.get(pk=wide_tables.shop_order.order_id)
    web.login(STAFF_EMAIL, PASSWORD)
    tables.open("dashboard", f"{base}/")
    tables.open("shops", f"{base}/boutiques/")
    tables.open("orders", f"{base}/commandes/")
    tables.open("an order", f"{base}/commandes/{order.number}/")
    tables.open("rules", f"{base}/commission/")
    tables.open("a rule", f"{base}/commission/{wide_tables.rule_id}/")
    tables.open("staff", f"{base}/equipe/")
    tables.open("journal", f"{base}/journal/")
    web.logout()
    tables.open("town's transparency", f"/transparence/{wide_tables.town.slug}/")

    assert tables.faults == {}, tables.report()
    assert [page for page, boxes in tables.overflowing.items() if not boxes] == []
    assert tables.overflowing["dashboard"] == [
        "Dernières commandes par commerce et leur commission",
        "Virements aux commerces",
        "Remboursements",
        "Commandes qui attendent leur commerce depuis plus d’un jour",
    ]
