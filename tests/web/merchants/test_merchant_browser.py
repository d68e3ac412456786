"""The merchants' back office in a real browser: French, accessible (axe-core), 1280 and 390 px.

Few, complete journeys: applying then selling, importing a CSV, a day of orders, and shop scoping.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from marketplace.governance.approval import vendor_approve
from marketplace.orders.models import ShopOrder
from payments.models import Refund
from tests.factories import PASSWORD, TownStaffFactory, VariantFactory
from tests.web.merchants.helpers import paid_order
from vendors.models import Product, Stock, StockMovement, Vendor, VendorInvitation

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_message(web, text: str) -> None:
    """Wait for a flash message (the page is being replaced meanwhile: stale elements retried)."""
    web.wait_until(
        lambda driver: any(
            text in item.text for item in driver.find_elements(By.CSS_SELECTOR, ".messages li")
        )
    )


def _no_axe_violation(web, name: str) -> None:
    assert web.axe() == [], name
    web.screenshots(f"merchant-{name}")


def test_a_visitor_applies_is_approved_and_adds_a_product_with_a_photo(
    web, town, category, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "huitres.png"
    Image.new("RGB", (900, 700), "#2a6f97").save(photo, format="PNG")

    # a visitor applies, creating their account on the way
    web.open("/commercant/ouvrir-une-boutique/")
    _no_axe_violation(web, "apply")
    web.fill("#id_account_email", "ostreicultrice@example.org")
    web.fill("#id_password", "des-huitres-de-bouzigues-34")
    Select(web.find("#id_town")).select_by_visible_text(town.name)
    web.fill("#id_name", "Les Huîtres de Bouzigues")
    web.fill("#id_fee_local_delivery", "3.50")
    web.click("#id_offer_local_delivery")
    web.find("main form button[type=submit]").submit()
    _wait_message(web, "Votre demande est reçue")
    vendor = Vendor.objects.get(slug="les-huitres-de-bouzigues")
    assert vendor.status == "pending"
    assert "En attente" in web.text

    # the association approves it (its own back office, driven through the service)
    vendor_approve(vendor_id=vendor.pk, actor=TownStaffFactory(town=town).user)

    # the new shopkeeper adds a product with its photo
    web.open(f"/commercant/{town.slug}/{vendor.slug}/produits/nouveau/")
    web.fill("#id_name", "Huîtres n°3")
    Select(web.find("#id_category")).select_by_value(str(category.pk))
    web.find("#id_image").send_keys(str(photo))
    web.fill("#id_variants-0-sku", "HUI-12")
    web.fill("#id_variants-0-name", "La douzaine")
    web.fill("#id_variants-0-price", "9.80")
    web.fill("#id_variants-0-stock", "30")
    _no_axe_violation(web, "product-new")
    web.find("#product-form").submit()
    _wait_message(web, "Produit Huîtres n°3 ajouté")
    product = Product.objects.get(vendor=vendor)
    assert product.thumbnail.name and (settings.MEDIA_ROOT / product.thumbnail.name).exists()
    assert "9,80" in web.text
    _no_axe_violation(web, "products")

    # and adjusts its stock inline (htmx: the row is replaced, no reload)
    web.open(f"/commercant/{town.slug}/{vendor.slug}/produits/{product.pk}/")
    variant = product.variants.get()
    web.fill(f"#delta-{variant.pk}", "-4")
    Select(web.find(f"#reason-{variant.pk}")).select_by_value("loss")
    web.find(f"#stock-{variant.pk} button[type=submit]").click()
    web.wait_for(f"#stock-{variant.pk} .badge.ok")
    assert web.find(f"#stock-{variant.pk} [data-quantity]").text.startswith("26")
    assert StockMovement.objects.filter(stock__variant=variant, reason="loss").get().delta == -4


def test_a_csv_with_one_bad_row_shows_that_rows_error(web, shop, owner, category, tmp_path):
    csv_file = tmp_path / "catalogue.csv"
    csv_file.write_text(
        "produit;description;catégorie;référence;variante;prix;stock\n"
        "Loup de ligne;;epicerie;LOUP-1;;24,50;4\n"
        "Dorade;;epicerie;DOR-1;;douze;6\n"
        "Seiche;;epicerie;SEI-1;;11,00;8\n",
        encoding="utf-8",
    )
    web.login(owner.email, PASSWORD)

    web.open(f"/commercant/{shop.town.slug}/{shop.slug}/import/")
    _no_axe_violation(web, "import")
    web.find("#id_file").send_keys(str(csv_file))
    web.find("main form[enctype] button[type=submit]").click()
    web.wait_for("table.import-errors")

    rows = [row.text for row in web.find_all("table.import-errors tbody tr")]
    assert len(rows) == 1 and rows[0].startswith("3 prix")
    assert "rien n’a été écrit" in web.text
    assert Product.objects.filter(vendor=shop).count() == 0
    _no_axe_violation(web, "import-errors")


def test_a_day_of_orders_accept_ready_hand_over_and_a_partial_refund(
    web, town, shop, owner, settings
):
    settings.MERCHANT_INBOX_POLL_SECONDS = 1
    first = paid_order(town, shop, goods="24.00", commission="1.20", email="claire@example.org")
    second = paid_order(town, shop, goods="40.00", commission="2.00", email="marc@example.org")
    web.login(owner.email, PASSWORD)

    web.open(f"/commercant/{town.slug}/{shop.slug}/commandes/")
    assert web.find('[data-count="new"]').text == "2"
    # a new order comes in while the inbox is open: it appears without a reload (htmx polling)
    third = paid_order(town, shop, email="nouvelle-cliente@example.org")
    web.wait_until(lambda driver: third.order.number in driver.find_element(By.ID, "inbox").text)
    assert web.find('[data-count="new"]').text == "3"
    _no_axe_violation(web, "orders")
    web.open(f"/commercant/{town.slug}/{shop.slug}/commandes/preparation/")
    assert "claire@example.org" in web.text and "marc@example.org" in web.text
    _no_axe_violation(web, "picking")

    web.open(f"/commercant/{town.slug}/{shop.slug}/commandes/{first.pk}/")
    assert "claire@example.org" in web.text
    _no_axe_violation(web, "order")
    for action, message in (("accepter", "acceptée"), ("prete", "prête"), ("remise", "remise")):
        web.click(f"form[action$='/{action}/'] button")
        _wait_message(web, message)
    first.refresh_from_db()
    assert first.status == "fulfilled"

    web.open(f"/commercant/{town.slug}/{shop.slug}/commandes/{second.pk}/rembourser/")
    web.fill("#id_amount", "10,00")
    web.fill("#id_reason", "Un article manquant")
    web.click("button[name=preview]")
    web.wait_for("#refund-preview")
    assert "Votre commerce prend en charge 9,50" in web.text.replace("\u202f", " ").replace(
        "\u00a0", " "
    )
    _no_axe_violation(web, "refund-preview")
    # an amount changed on the confirm step is previewed again, not refunded unseen
    web.fill("#id_amount", "11,00")
    web.click("button[name=confirm]")
    web.wait_until(
        lambda driver: "Le montant a changé" in driver.find_element(By.ID, "refund-preview").text
    )
    assert "Votre commerce prend en charge 10,45" in web.text.replace("\u202f", " ").replace(
        "\u00a0", " "
    )
    assert not Refund.objects.filter(shop_order=second).exists()
    _no_axe_violation(web, "refund-preview-again")
    web.click("button[name=confirm]")
    _wait_message(web, "Remboursement de 11,00")
    refund = Refund.objects.get(shop_order=second)
    assert (refund.amount, refund.shop_share) == (Decimal("11.00"), Decimal("10.45"))
    assert ShopOrder.objects.get(pk=second.pk).refunded_amount == Decimal("11.00")

    # the money page: each movement signed in its column, the columns' totals under them
    web.open(f"/commercant/{town.slug}/{shop.slug}/argent/")
    web.click("section.statement details summary")
    web.wait_for("table.movements tfoot [data-total='earned']")
    refund_cells = web.find_all("tr[data-kind='refund'] [data-column='information']")
    assert refund_cells and refund_cells[0].text.startswith("-11,00")
    assert "Virement enregistré, non envoyé" in web.text  # the demo shop has no payment account
    _no_axe_violation(web, "money-movements")


def test_deleting_a_sold_product_goes_through_its_confirmation_page(web, town, shop, owner):
    shop_order = paid_order(town, shop, email="claire@example.org")
    line = shop_order.lines.get()
    product = line.variant.product
    Stock.objects.filter(variant=line.variant).update(quantity_allocated=0)  # handed over
    web.login(owner.email, PASSWORD)

    web.open(f"/commercant/{town.slug}/{shop.slug}/produits/{product.pk}/")
    web.click("#product-delete")
    web.wait_for("#delete-consequences")
    assert "Il a été vendu dans 1 commande" in web.text
    assert Product.objects.filter(pk=product.pk).exists()
    _no_axe_violation(web, "product-delete")
    web.click("main form.danger-zone button[name=confirm]")
    _wait_message(web, f"Produit {product.name} supprimé")
    assert not Product.objects.filter(pk=product.pk).exists()


def test_an_owner_sends_an_invitation_again_then_withdraws_it(web, shop, owner, mailoutbox):
    invitation = VendorInvitation.objects.create(
        vendor=shop, email="future@example.org", role="staff", token="jeton-de-test-42"
    )
    web.login(owner.email, PASSWORD)

    web.open(f"/commercant/{shop.town.slug}/{shop.slug}/equipe/")
    _no_axe_violation(web, "team-invitations")
    web.click(f"#invitation-{invitation.pk} form[action$='/renvoyer/'] button")
    _wait_message(web, "L’invitation est renvoyée à future@example.org")
    web.wait_until(lambda driver: len(mailoutbox) == 1)
    assert "/commercant/invitation/?code=jeton-de-test-42" in mailoutbox[0].body
    web.click(f"#invitation-{invitation.pk} form[action$='/annuler/'] button")
    _wait_message(web, "est retirée")
    assert not web.find_all(f"#invitation-{invitation.pk}")
    assert not VendorInvitation.objects.filter(pk=invitation.pk).exists()


def test_a_member_of_shop_a_cannot_open_shop_b(web, town, shop, owner, other_shop):
    theirs = paid_order(town, other_shop, email="client-du-fournil@example.org")
    VariantFactory(product__vendor=other_shop, vendor=other_shop, product__name="Pain au levain")
    web.login(owner.email, PASSWORD)

    for path in ("commandes/", f"commandes/{theirs.pk}/", "produits/", "argent/"):
        web.open(f"/commercant/{town.slug}/{other_shop.slug}/{path}")
        assert "client-du-fournil" not in web.driver.page_source
        assert "Pain au levain" not in web.driver.page_source
        assert "Le Fournil" not in web.text
    # while their own shop's other pages open, accessible
    VariantFactory(product__vendor=shop, vendor=shop, stock=1, low_stock_threshold=3)
    for path, name in (
        ("stock/bas/", "stock-low"),
        ("boutique/", "profile"),
        ("equipe/", "team"),
        ("argent/", "money"),
    ):
        web.open(f"/commercant/{town.slug}/{shop.slug}/{path}")
        assert "La Criée" in web.text
        _no_axe_violation(web, name)
