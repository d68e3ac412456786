"""The merchants' back office with Django's test client: scoping, forms and their errors."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from marketplace.orders.models import Order, ShopOrder
from marketplace.storefront.merchant.jobs import import_job_progress_key
from marketplace.storefront.merchant.models import CatalogImportJob
from marketplace.storefront.merchant.tasks import run_catalog_import_job
from payments.models import ConnectedAccount, Refund
from tests.factories import ProductFactory, UserFactory, VariantFactory, VendorMemberFactory
from tests.web.merchants.helpers import paid_order
from vendors.models import (
    Product,
    Stock,
    StockMovement,
    Vendor,
    VendorMember,
    VendorRole,
    VendorStatus,
)

pytestmark = pytest.mark.django_db

HEADER = "product,description,category,sku,variant_name,price,stock\n"


def url(shop, path=""):
    return f"/commercant/{shop.town.slug}/{shop.slug}/{path}"


def test_anonymous_visitors_are_sent_to_log_in(client, shop):
    response = client.get(url(shop, "commandes/"))

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "commandes/",
        "commandes/preparation/",
        "produits/",
        "produits/nouveau/",
        "stock/bas/",
        "stock/mouvements/",
        "import/",
        "export.csv",
        "boutique/",
        "equipe/",
        "argent/",
        "argent/releve.csv",
    ],
)
def test_a_member_of_another_shop_gets_404_on_every_page(
    client, login, shop, other_shop, other_owner, path
):
    login(other_owner)

    assert client.get(url(shop, path)).status_code == 404
    assert client.get(url(other_shop, path)).status_code in {200, 302}


def test_another_shops_order_product_and_import_answer_404_without_their_data(
    client, login, town, shop, other_shop, owner
):
    theirs = paid_order(town, other_shop, email="secret-customer@example.org")
    product = ProductFactory(vendor=other_shop, name="Pain secret")
    variant = VariantFactory(product=product, vendor=other_shop)
    job = CatalogImportJob.objects.create(vendor=other_shop, content=b"x", filename="theirs.csv")
    login(owner)

    for path in (
        f"commandes/{theirs.pk}/",
        f"commandes/{theirs.pk}/rembourser/",
        f"produits/{product.pk}/",
        f"import/{job.pk}/",
    ):
        response = client.get(url(shop, path))
        assert response.status_code == 404, path
        assert b"secret" not in response.content
    assert client.post(url(shop, f"commandes/{theirs.pk}/accepter/")).status_code == 404
    assert (
        client.post(
            url(shop, f"stock/{variant.pk}/ajuster/"), {"delta": "5", "reason": "received"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == "paid"
    assert StockMovement.objects.filter(stock__variant=variant).count() == 0


def test_a_visitor_applies_with_a_new_account_and_lands_in_a_pending_shop(client, town):
    response = client.post(
        "/commercant/ouvrir-une-boutique/",
        {
            "account_email": "nouvelle@example.org",
            "password": "un-mot-de-passe-solide-42",
            "first_name": "Nina",
            "town": town.pk,
            "name": "Les Halles de Nina",
            "description": "Fruits et légumes",
            "offer_pickup": "on",
            "fee_pickup": "0",
            "offer_local_delivery": "on",
            "fee_local_delivery": "3.50",
        },
    )

    vendor = Vendor.objects.get(town=town, slug="les-halles-de-nina")
    assert response.status_code == 302
    assert response["Location"] == url(vendor, "produits/")
    assert vendor.status == VendorStatus.PENDING
    assert VendorMember.objects.get(vendor=vendor).user.email == "nouvelle@example.org"
    assert sorted(vendor.fulfilment_methods.values_list("method", "fee")) == [
        ("local_delivery", Decimal("3.50")),
        ("pickup", Decimal("0.00")),
    ]
    assert client.get(url(vendor, "produits/")).status_code == 200


def test_an_application_with_a_taken_slug_shows_the_error_and_creates_nothing(client, town, shop):
    response = client.post(
        "/commercant/ouvrir-une-boutique/",
        {
            "account_email": "autre@example.org",
            "password": "un-mot-de-passe-solide-42",
            "town": town.pk,
            "name": "La Criée",
            "slug": "la-criee",
            "offer_pickup": "on",
            "fee_pickup": "0",
        },
    )

    assert response.status_code == 200
    assert "Un autre commerce de cette ville utilise déjà" in response.content.decode()
    assert not Vendor.objects.filter(name="La Criée").exclude(pk=shop.pk).exists()
    assert not UserFactory._meta.model.objects.filter(email="autre@example.org").exists()


def test_switching_shop_is_offered_only_to_a_member_of_several(
    client, login, owner, shop, other_shop
):
    login(owner)
    alone = client.get(url(shop, "commandes/")).content.decode()
    VendorMemberFactory(vendor=other_shop, user=owner, role=VendorRole.STAFF)

    several = client.get(url(shop, "commandes/")).content.decode()

    assert "Changer de commerce" not in alone and "?choisir=1" not in alone
    assert "Changer de commerce" in several and "/commercant/?choisir=1" in several


def test_a_member_of_several_shops_chooses_one(client, login, owner, shop, other_shop):
    VendorMemberFactory(vendor=other_shop, user=owner, role=VendorRole.STAFF)
    login(owner)

    page = client.get("/commercant/").content.decode()

    assert url(shop, "commandes/") in page and url(other_shop, "commandes/") in page


def test_the_inbox_counts_orders_by_state_and_the_poll_returns_the_fragment(
    client, login, town, shop, owner
):
    first = paid_order(town, shop)
    paid_order(town, shop)
    ShopOrder.objects.filter(pk=first.pk).update(status="accepted")
    login(owner)

    page = client.get(url(shop, "commandes/")).content.decode()
    fragment = client.get(url(shop, "commandes/?etat=accepted"), HTTP_HX_REQUEST="true")

    assert 'data-count="new">1<' in page and 'data-count="accepted">1<' in page
    assert 'hx-trigger="every 15s"' in page
    assert fragment.content.decode().lstrip().startswith('<section id="inbox"')
    assert first.order.number in fragment.content.decode()


def test_accept_ready_fulfil_then_refusing_needs_a_reason(client, login, town, shop, owner):
    shop_order = paid_order(town, shop)
    other = paid_order(town, shop)
    login(owner)

    for action in ("accepter", "prete", "remise"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(url(shop, f"commandes/{shop_order.pk}/{action}/"))
        assert response.status_code == 302
    refused = client.post(url(shop, f"commandes/{other.pk}/refuser/"), {"refuse-reason": ""})

    shop_order.refresh_from_db()
    other.refresh_from_db()
    assert shop_order.status == "fulfilled"
    assert refused.status_code == 400
    assert "Ce champ est obligatoire" in refused.content.decode()
    assert other.status == "paid"


def test_an_invalid_transition_is_a_message_not_an_error(client, login, town, shop, owner):
    shop_order = paid_order(town, shop)
    login(owner)

    response = client.post(url(shop, f"commandes/{shop_order.pk}/remise/"), follow=True)

    assert response.status_code == 200
    assert "ne peut pas passer" in response.content.decode()


def test_a_partial_refund_shows_the_shops_share_then_refunds(client, login, town, shop, owner):
    shop_order = paid_order(town, shop, goods="40.00", commission="2.00")
    login(owner)

    preview = client.post(
        url(shop, f"commandes/{shop_order.pk}/rembourser/"),
        {"amount": "10.00", "reason": "Abîmé", "preview": "1"},
    )
    assert Refund.objects.count() == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(
            url(shop, f"commandes/{shop_order.pk}/rembourser/"),
            {"amount": "10.00", "reason": "Abîmé", "previewed_amount": "10.00", "confirm": "1"},
        )

    assert "9,50" in preview.content.decode()
    assert (
        'name="previewed_amount" value="10.00"' in preview.content.decode()
    )  # the shop bears 10.00 less 0.50 of commission
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.shop_share, refund.commission_refunded) == (
        Decimal("10.00"),
        Decimal("9.50"),
        Decimal("0.50"),
    )
    assert refund.reason == "Abîmé"
    order_page = client.get(url(shop, f"commandes/{shop_order.pk}/")).content.decode()
    assert "Remboursements" in order_page and "Abîmé" in order_page and "10,00" in order_page


def test_the_shop_sees_who_the_order_is_for_on_its_page(client, login, town, shop, owner):
    shop_order = paid_order(town, shop, goods="12.00")
    Order.objects.filter(pk=shop_order.order_id).update(customer_name="Camille Martin")
    login(owner)

    order_page = client.get(url(shop, f"commandes/{shop_order.pk}/")).content.decode()

    assert "Camille Martin<br>" in order_page


def test_an_amount_changed_on_the_confirm_step_is_previewed_again_not_refunded(
    client, login, town, shop, owner
):
    shop_order = paid_order(town, shop, goods="40.00", commission="2.00")
    login(owner)
    refund_url = url(shop, f"commandes/{shop_order.pk}/rembourser/")
    client.post(refund_url, {"amount": "5,00", "reason": "Abîmé", "preview": "1"})

    changed = client.post(
        refund_url,
        {"amount": "6", "reason": "Abîmé", "previewed_amount": "5.00", "confirm": "1"},
    )
    unseen = client.post(refund_url, {"amount": "6", "reason": "Abîmé", "confirm": "1"})

    assert Refund.objects.count() == 0
    page = changed.content.decode()
    assert changed.status_code == 200
    assert "Le montant a changé" in page
    assert "5,70" in page  # the share of 6,00 (less 0,30 of commission), not of 5,00
    assert 'name="previewed_amount" value="6"' in page
    assert unseen.status_code == 200 and "Le montant a changé" in unseen.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(
            refund_url,
            {"amount": "6,00", "reason": "Abîmé", "previewed_amount": "6.00", "confirm": "1"},
        )
    assert done.status_code == 302
    assert Refund.objects.get().amount == Decimal("6.00")


def test_a_refund_above_what_remains_is_a_form_error(client, login, town, shop, owner):
    shop_order = paid_order(town, shop, goods="40.00")
    login(owner)

    response = client.post(
        url(shop, f"commandes/{shop_order.pk}/rembourser/"),
        {"amount": "41.00", "reason": "x", "preview": "1"},
    )

    assert response.status_code == 400
    [error] = response.context["form"].errors["amount"]
    assert error.startswith("Il reste au plus 40") and error.endswith("à rembourser.")
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "reason", "field", "told"),
    [
        ("0", "x", "amount", "Le montant doit être positif, avec au plus deux décimales."),
        ("0,001", "x", "amount", "Le montant doit être positif, avec au plus deux décimales."),
        (
            "5",
            "x" * 501,
            "reason",
            "Le motif peut compter au plus 500 caractères (il en compte 501).",
        ),
    ],
)
def test_a_refund_the_service_refuses_is_told_in_its_words(
    client, login, town, shop, owner, amount, reason, field, told
):
    shop_order = paid_order(town, shop, goods="40.00")
    login(owner)

    response = client.post(
        url(shop, f"commandes/{shop_order.pk}/rembourser/"),
        {"amount": amount, "reason": reason, "preview": "1"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [told]
    assert Refund.objects.count() == 0


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "#c33").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "tomates.png"
    return buffer


def _product_post(category, **extra):
    data = {
        "name": "Tomates anciennes",
        "description": "Du jardin",
        "category": category.pk,
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "50",
        "variants-0-sku": "TOM-1KG",
        "variants-0-name": "1 kg",
        "variants-0-price": "4.20",
        "variants-0-stock": "12",
    }
    data.update(extra)
    return data


def test_a_product_with_its_photo_is_created(
    client, login, shop, owner, category, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    login(owner)

    response = client.post(
        url(shop, "produits/nouveau/"), {**_product_post(category), "image": _png()}
    )

    assert response.status_code == 302
    product = Product.objects.get(vendor=shop)
    assert product.thumbnail.name and product.image.name
    variant = product.variants.get()
    assert (variant.sku, variant.price, variant.stock.quantity) == ("TOM-1KG", Decimal("4.20"), 12)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tomates.txt", b"pas une image"),
        ("tomates.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
    ],
)
def test_a_new_product_with_a_file_that_is_no_image_is_a_photo_error_and_nothing_is_created(
    client, login, shop, owner, category, settings, tmp_path, name, content
):
    settings.MEDIA_ROOT = tmp_path
    login(owner)
    upload = io.BytesIO(content)
    upload.name = name

    response = client.post(
        url(shop, "produits/nouveau/"), {**_product_post(category), "image": upload}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"image": ["Le fichier n'est pas une image lisible."]}
    page = response.content.decode()
    assert "pas sa photo" not in page and "Tomates anciennes" in page  # the form, kept
    assert not Product.objects.filter(vendor=shop).exists()
    assert not list(tmp_path.rglob("*.*"))


def test_a_photo_too_large_is_refused_before_anything_is_written(
    client, login, shop, owner, category, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("vendors.images.MAX_IMAGE_BYTES", 1000)
    login(owner)

    response = client.post(
        url(shop, "produits/nouveau/"), {**_product_post(category), "image": _png()}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"image": ["L'image dépasse 5 Mo."]}
    assert not Product.objects.filter(vendor=shop).exists()


def test_a_bad_photo_on_the_edit_page_changes_nothing_of_the_product(
    client, login, shop, owner, category, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    variant = VariantFactory(
        product__vendor=shop, vendor=shop, sku="TOM-1KG", product__name="Tomates"
    )
    product = variant.product
    login(owner)
    upload = io.BytesIO(b"pas une image")
    upload.name = "photo.jpg"
    data = {
        **_product_post(category, name="Tomates cerises"),
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": str(variant.pk),
        "image": upload,
    }

    response = client.post(url(shop, f"produits/{product.pk}/"), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {"image": ["Le fichier n'est pas une image lisible."]}
    product.refresh_from_db()
    assert product.name == "Tomates" and not product.image.name


def test_a_photo_replaced_on_the_edit_page_is_saved_with_the_product(
    client, login, shop, owner, category, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    variant = VariantFactory(product__vendor=shop, vendor=shop, sku="TOM-1KG")
    product = variant.product
    login(owner)
    data = {
        **_product_post(category, name="Tomates cerises"),
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": str(variant.pk),
        "image": _png(),
    }

    response = client.post(url(shop, f"produits/{product.pk}/"), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Tomates cerises"
    assert (tmp_path / product.image.name).exists() and (tmp_path / product.thumbnail.name).exists()


def test_a_duplicate_sku_is_shown_on_its_variant_row(client, login, shop, owner, category):
    VariantFactory(product__vendor=shop, vendor=shop, sku="TOM-1KG")
    login(owner)

    response = client.post(url(shop, "produits/nouveau/"), _product_post(category))

    assert response.status_code == 400
    assert (
        "Une autre déclinaison de ce commerce utilise déjà cette référence"
        in response.content.decode()
    )
    assert Product.objects.filter(vendor=shop, name="Tomates anciennes").count() == 0


def test_deleting_a_product_asks_first_saying_what_it_does_then_deletes(
    client, login, town, shop, owner
):
    shop_order = paid_order(town, shop)
    line = shop_order.lines.get()
    product = line.variant.product
    Stock.objects.filter(variant=line.variant).update(quantity_allocated=0)  # handed over
    login(owner)
    delete_url = url(shop, f"produits/{product.pk}/supprimer/")

    product_page = client.get(url(shop, f"produits/{product.pk}/")).content.decode()
    asked = client.get(delete_url)
    old_button = client.post(delete_url)  # the former one-click form, without its confirmation

    assert f'href="/commercant/sete/la-criee/produits/{product.pk}/supprimer/"' in product_page
    assert Product.objects.filter(pk=product.pk).exists()
    for response in (asked, old_button):
        page = response.content.decode()
        assert response.status_code == 200
        assert f"Supprimer {product.name} ?" in page
        assert "ses 1 déclinaisons" not in page and "sa déclinaison, son stock" in page
        assert "Il a été vendu dans 1 commande" in page
        assert "Retirer de la vente" in page
        assert 'name="confirm"' in page
    done = client.post(delete_url, {"confirm": "1"}, follow=True)
    assert f"Produit {product.name} supprimé" in done.content.decode()
    assert not Product.objects.filter(pk=product.pk).exists()
    line.refresh_from_db()
    assert (line.variant_id, line.product_name) == (None, product.name)


def test_a_product_never_sold_is_deleted_after_its_confirmation_too(client, login, shop, owner):
    product = ProductFactory(vendor=shop, name="Poivre")
    VariantFactory(product=product, vendor=shop)
    VariantFactory(product=product, vendor=shop)
    login(owner)

    page = client.get(url(shop, f"produits/{product.pk}/supprimer/")).content.decode()

    assert "ses 2 déclinaisons" in page and "vendu" not in page
    client.post(url(shop, f"produits/{product.pk}/supprimer/"), {"confirm": "1"})
    assert not Product.objects.filter(pk=product.pk).exists()


def test_stock_adjust_inline_with_htmx_returns_the_row_and_records_the_movement(
    client, login, shop, owner
):
    variant = VariantFactory(product__vendor=shop, vendor=shop, stock=5)
    login(owner)

    response = client.post(
        url(shop, f"stock/{variant.pk}/ajuster/"),
        {"delta": "-2", "reason": "loss", "note": "cassé"},
        HTTP_HX_REQUEST="true",
    )
    refused = client.post(
        url(shop, f"stock/{variant.pk}/ajuster/"),
        {"delta": "-10", "reason": "loss"},
        HTTP_HX_REQUEST="true",
    )

    assert response.content.decode().lstrip().startswith(f'<tr id="stock-{variant.pk}">')
    movement = StockMovement.objects.get(stock__variant=variant)
    assert (movement.delta, movement.quantity_after, movement.reason, movement.note) == (
        -2,
        3,
        "loss",
        "cassé",
    )
    assert "négatif" in refused.content.decode()
    variant.stock.refresh_from_db()
    assert variant.stock.quantity == 3


def test_the_product_list_searches_and_filters_low_stock(client, login, shop, owner):
    low = VariantFactory(
        product__vendor=shop, product__name="Huîtres", vendor=shop, stock=1, low_stock_threshold=5
    )
    VariantFactory(
        product__vendor=shop, product__name="Moules", vendor=shop, stock=50, low_stock_threshold=5
    )
    login(owner)

    found = client.get(url(shop, "produits/?q=hu")).content.decode()
    low_page = client.get(url(shop, "produits/?stock=low")).content.decode()
    low_list = client.get(url(shop, "stock/bas/")).content.decode()

    assert "Huîtres" in found and "Moules" not in found
    assert "Huîtres" in low_page and "Moules" not in low_page
    assert low.sku in low_list


def test_import_dry_run_shows_the_bad_row_then_a_clean_file_imports(
    client, login, shop, owner, category
):
    login(owner)
    bad = HEADER + "Pain,,epicerie,PAIN-1,,2.10,10\nBrioche,,epicerie,BRI-1,,abc,5\n"
    good = HEADER + "Pain,,epicerie,PAIN-1,,2.10,10\n"

    checked = client.post(url(shop, "import/"), {"file": io.BytesIO(bad.encode())}, follow=True)
    upload = io.BytesIO(good.encode())
    upload.name = "catalogue.csv"
    clean = client.post(url(shop, "import/"), {"file": upload})
    job = CatalogImportJob.objects.filter(vendor=shop).first()
    imported = client.post(url(shop, f"import/{job.pk}/confirmer/"), follow=True)

    page = checked.content.decode()
    assert "import-errors" in page and '<td class="num">3</td>' in page and "<td>prix</td>" in page
    assert clean.status_code == 302
    assert "1 créé" in imported.content.decode() or "1 created" in imported.content.decode()
    assert Product.objects.get(vendor=shop).name == "Pain"


def test_a_large_file_runs_as_a_background_job_and_export_reimports_unchanged(
    client, login, shop, owner, category
):
    rows = "".join(f"Produit {i},,epicerie,SKU-{i:04d},,1.50,3\n" for i in range(400))
    login(owner)

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url(shop, "import/"), {"file": io.BytesIO((HEADER + rows).encode())})
    dry = CatalogImportJob.objects.get(vendor=shop)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url(shop, f"import/{dry.pk}/confirmer/"))
    progress = client.get(url(shop, f"import/{dry.pk}/"), HTTP_HX_REQUEST="true").content.decode()
    exported = client.get(url(shop, "export.csv")).content
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url(shop, "import/"), {"file": io.BytesIO(exported)})
    again = CatalogImportJob.objects.filter(vendor=shop).first()

    assert dry.rows == 400 and Product.objects.filter(vendor=shop).count() == 400
    assert 'value="100"' in progress and "hx-trigger" not in progress
    assert again.report == {"created": 0, "updated": 0, "unchanged": 400, "errors": []}


def test_a_running_import_shows_rows_done_out_of_rows_total_from_its_cache_key(
    client, login, shop, owner
):

    job = CatalogImportJob.objects.create(vendor=shop, content=b"", rows=4000, status="running")
    login(owner)

    before = client.get(url(shop, f"import/{job.pk}/"), HTTP_HX_REQUEST="true").content.decode()
    cache.set(import_job_progress_key(job.pk), {"done": 1200, "total": 4000}, 60)
    during = client.get(
        url(shop, f"import/{job.pk}/"), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    CatalogImportJob.objects.filter(pk=job.pk).update(status="done", report={"errors": []})
    after = client.get(url(shop, f"import/{job.pk}/"), HTTP_HX_REQUEST="true").content.decode()

    assert 'max="100" value="50"' in before and "hx-trigger" in before
    assert '<progress id="import-progress" max="4000" value="1200">' in during
    assert '<label for="import-progress">' in during and "1200 / 4000 lignes" in during
    assert 'max="100" value="100"' in after


def test_the_import_task_records_its_progress_under_the_jobs_key(client, login, shop, category):

    rows = "".join(f"Produit {i},,epicerie,SKU-{i:04d},,1.50,3\n" for i in range(350))
    job = CatalogImportJob.objects.create(
        vendor=shop, content=(HEADER + rows).encode(), rows=350, dry_run=False
    )

    assert run_catalog_import_job(job.pk) == "done"
    assert cache.get(import_job_progress_key(job.pk)) == {"done": 350, "total": 350}
    assert Product.objects.filter(vendor=shop).count() == 350


def test_the_profile_saves_hours_and_methods_and_shows_service_errors(client, login, shop, owner):
    login(owner)
    data = {
        "name": "La Criée",
        "description": "Poissons du port",
        "email": "criee@example.org",
        "country": "FR",
        "hours_mon": "08:00-12:00,15:00-19:00",
        "hours_tue": "",
        "offer_pickup": "on",
        "fee_pickup": "0",
        "offer_shipping": "on",
        "fee_shipping": "7.90",
        "latitude": "43.40",
        "longitude": "3.69",
    }

    saved = client.post(url(shop, "boutique/"), data)
    wrong = client.post(url(shop, "boutique/"), {**data, "hours_wed": "19:00-08:00"})

    shop.refresh_from_db()
    assert saved.status_code == 302
    assert (
        shop.opening_hours["mon"] == "08:00-12:00,15:00-19:00" and shop.opening_hours["wed"] is None
    )
    assert sorted(shop.fulfilment_methods.values_list("method", flat=True)) == [
        "pickup",
        "shipping",
    ]
    assert (shop.latitude, shop.longitude) == (43.40, 3.69)
    assert wrong.status_code == 400 and "19:00-08:00" in wrong.content.decode()


def _profile_post(**extra):
    return {
        "name": "La Criée",
        "email": "criee@example.org",
        "country": "FR",
        "hours_mon": "08:00-12:00",
        "offer_pickup": "on",
        "fee_pickup": "0",
        **extra,
    }


def test_each_opening_hours_error_is_under_its_own_day_in_french(client, login, shop, owner):
    hours_before = shop.opening_hours
    login(owner)

    response = client.post(
        url(shop, "boutique/"),
        _profile_post(hours_tue="25:00-26:00", hours_thu="09:00-12:00,11:00-18:00"),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors == {
        "hours_tue": ["Mardi : '25:00-26:00' n'est pas au format HH:MM-HH:MM."],
        "hours_thu": ["Jeudi : '11:00-18:00' chevauche la plage précédente."],
    }
    page = response.content.decode()
    assert "tue :" not in page and "thu :" not in page
    shop.refresh_from_db()
    assert shop.opening_hours == hours_before


def test_a_ticked_delivery_without_its_fee_is_an_error_on_the_fee_and_saves_nothing(
    client, login, shop, owner
):
    methods_before = sorted(shop.fulfilment_methods.values_list("method", "fee"))
    login(owner)

    response = client.post(
        url(shop, "boutique/"),
        _profile_post(name="Nouveau nom", offer_local_delivery="on", fee_local_delivery=""),
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "fee_local_delivery": ["Indiquez les frais, 0 s’ils sont gratuits."]
    }
    shop.refresh_from_db()
    assert shop.name == "La Criée"
    assert sorted(shop.fulfilment_methods.values_list("method", "fee")) == methods_before


def test_a_delivery_fee_of_0_is_saved_as_free_and_a_fee_error_goes_to_its_method(
    client, login, shop, owner
):
    login(owner)

    free = client.post(
        url(shop, "boutique/"), _profile_post(offer_local_delivery="on", fee_local_delivery="0")
    )
    too_large = client.post(
        url(shop, "boutique/"),
        _profile_post(offer_shipping="on", fee_shipping="100000000"),
    )

    assert free.status_code == 302
    assert sorted(shop.fulfilment_methods.values_list("method", "fee")) == [
        ("local_delivery", Decimal("0.00")),
        ("pickup", Decimal("0.00")),
    ]
    assert too_large.status_code == 400
    assert too_large.context["form"].errors == {"fee_shipping": ["Le montant est trop élevé."]}


def test_the_application_form_offers_pickup_free_by_default(client):
    form = client.get("/commercant/ouvrir-une-boutique/").context["form"]

    assert (form["offer_pickup"].value(), form["fee_pickup"].value()) == (True, Decimal("0"))


def test_a_phone_that_is_not_a_number_is_an_error_under_the_phone_field(client, login, shop, owner):
    login(owner)

    wrong = client.post(url(shop, "boutique/"), _profile_post(phone="abc"))
    right = client.post(url(shop, "boutique/"), _profile_post(phone="+33 4 67 12 34 56"))

    assert wrong.status_code == 400
    assert wrong.context["form"].errors == {
        "phone": [
            "Saisissez un numéro de téléphone : de 6 à 15 chiffres, avec des espaces, points ou "
            "tirets entre eux, et + devant pour un numéro international."
        ]
    }
    assert right.status_code == 302
    shop.refresh_from_db()
    assert shop.phone == "+33 4 67 12 34 56"


def test_staff_read_but_cannot_change_the_profile_nor_invite(client, login, shop):
    staff = UserFactory(email="vendeur@example.org")
    VendorMemberFactory(vendor=shop, user=staff, role=VendorRole.STAFF)
    login(staff)

    assert client.get(url(shop, "boutique/")).status_code == 200
    client.post(
        url(shop, "boutique/"), {"name": "Piratée", "email": "x@example.org", "country": "FR"}
    )
    assert (
        client.post(
            url(shop, "equipe/inviter/"), {"email": "z@example.org", "role": "staff"}
        ).status_code
        == 403
    )
    shop.refresh_from_db()
    assert shop.name == "La Criée"


def test_team_invite_and_transfer_of_ownership(client, login, shop, owner):
    colleague = UserFactory(email="collegue@example.org")
    member = VendorMemberFactory(vendor=shop, user=colleague, role=VendorRole.STAFF)
    login(owner)

    invited = client.post(
        url(shop, "equipe/inviter/"), {"email": "nouveau@example.org", "role": "staff"}
    )
    bad = client.post(url(shop, "equipe/inviter/"), {"email": "pas-un-email", "role": "staff"})
    transferred = client.post(url(shop, f"equipe/{member.pk}/proprietaire/"))

    assert invited.status_code == 302 and bad.status_code == 400
    assert shop.invitations.filter(email="nouveau@example.org").exists()
    assert transferred.status_code == 302
    assert dict(shop.members.values_list("user__email", "role")) == {
        "collegue@example.org": "owner",
        "marchande@example.org": "staff",
    }


def test_money_page_and_statement_csv(client, login, town, shop, owner):
    shop_order = paid_order(town, shop, goods="30.00", commission="1.50")
    login(owner)

    page = client.get(url(shop, "argent/")).content.decode()
    csv_body = client.get(url(shop, "argent/releve.csv")).content.decode()
    onboard = client.post(url(shop, "argent/stripe/"))

    assert 'data-figure="sales">30,00' in page.replace("\u00a0", " ").replace("\u202f", " ")
    assert f";{shop_order.order.number};" in csv_body
    assert ";;Ventes (marchandises et livraison);30,00;EUR" in csv_body
    assert onboard.status_code == 302 and "onboarded=" in onboard["Location"]


def test_the_money_page_signs_each_movement_and_its_columns_add_up(
    client, login, town, shop, owner
):
    shop_order = paid_order(town, shop, goods="40.00", commission="2.00")
    login(owner)
    order_url = url(shop, f"commandes/{shop_order.pk}/")
    with TestCase.captureOnCommitCallbacks(execute=True):
        for step in ("accepter", "prete", "remise"):  # handed over: transferred (dummy gateway)
            client.post(order_url + f"{step}/")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            order_url + "rembourser/",
            {"amount": "10,00", "reason": "Abîmé", "previewed_amount": "10.00", "confirm": "1"},
        )

    response = client.get(url(shop, "argent/"))

    statement, lines = response.context["statement"], response.context["lines"]
    signed = {(line.kind, line.column, line.amount) for line in lines}
    assert ("refund", "information", Decimal("-10.00")) in signed
    assert ("refund_shop", "earned", Decimal("-9.50")) in signed
    assert ("shop_share", "earned", Decimal("38.00")) in signed
    assert ("transfer", "transfers", Decimal("38.00")) in signed
    assert ("reversal", "transfers", Decimal("-9.50")) in signed
    for column, figure in (("earned", statement.earned), ("transfers", statement.transfers)):
        assert sum(line.amount for line in lines if line.column == column) == figure
    assert (statement.earned, statement.transfers) == (Decimal("28.50"), Decimal("28.50"))
    page = response.content.decode().replace("\u00a0", " ").replace("\u202f", " ")
    assert 'data-column="information">-10,00 €' in page
    assert 'data-column="transfers">-9,50 €' in page
    assert 'data-total="earned"><strong>28,50 €' in page
    # no payment account yet: nothing says the money was sent
    assert "Viré au commerce" not in page and "Virement au commerce" not in page
    assert "Virement enregistré, non envoyé : pas encore de compte de paiement" in page
    assert "Enregistré comme viré, mais non envoyé" in page
    # once the shop has its payment account, a transfer is one
    ConnectedAccount.objects.create(vendor=shop, gateway="dummy", account_id="acct_criee")
    with_account = client.get(url(shop, "argent/")).content.decode()
    assert "Virement au commerce" in with_account and "Viré au commerce" in with_account
    assert "non envoyé" not in with_account


def test_pages_are_in_english_on_request(client, login, shop, owner):
    login(owner)

    page = client.get(url(shop, "commandes/"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Picking list" in page and "To prepare" in page


def test_an_invited_person_joins_with_the_code_of_their_email(client, login, shop, owner):
    login(owner)
    client.post(url(shop, "equipe/inviter/"), {"email": "future@example.org", "role": "staff"})
    invitation = shop.invitations.get(email="future@example.org")
    client.logout()
    wrong = UserFactory(email="someone-else@example.org")
    login(wrong)
    refused = client.post("/commercant/invitation/", {"code": invitation.token})
    client.logout()
    invited = UserFactory(email="future@example.org")
    login(invited)

    accepted = client.post("/commercant/invitation/", {"code": invitation.token})

    assert refused.status_code == 200 and "autre adresse" in refused.content.decode()
    assert accepted.status_code == 302 and accepted["Location"] == url(shop, "commandes/")
    assert shop.members.filter(user=invited, role="staff").exists()
    assert not shop.members.filter(user=wrong).exists()


def test_the_invitation_email_links_to_the_accept_page_with_its_code(
    client, login, shop, owner, settings, mailoutbox
):
    settings.PUBLIC_BASE_URL = "https://sete.example.org"
    login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url(shop, "equipe/inviter/"), {"email": "future@example.org", "role": "staff"})
    invitation = shop.invitations.get(email="future@example.org")
    [email] = mailoutbox
    link = f"https://sete.example.org/commercant/invitation/?code={invitation.token}"
    client.logout()
    login(UserFactory(email="future@example.org"))

    page = client.get(link.removeprefix("https://sete.example.org"))
    accepted = client.post(
        "/commercant/invitation/", {"code": page.context["form"]["code"].value()}
    )

    assert link in email.body and "ce code" not in email.body
    assert email.body.rstrip().endswith(link)
    assert accepted.status_code == 302
    assert shop.members.filter(user__email="future@example.org", role="staff").exists()


def test_an_owner_sends_a_pending_invitation_again_or_withdraws_it(
    client, login, shop, owner, mailoutbox
):
    login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url(shop, "equipe/inviter/"), {"email": "future@example.org", "role": "staff"})
    invitation = shop.invitations.get(email="future@example.org")
    team = client.get(url(shop, "equipe/")).content.decode()

    with TestCase.captureOnCommitCallbacks(execute=True):
        resent = client.post(
            url(shop, f"equipe/invitations/{invitation.pk}/renvoyer/"), follow=True
        )
    withdrawn = client.post(url(shop, f"equipe/invitations/{invitation.pk}/annuler/"), follow=True)
    again = client.post(url(shop, f"equipe/invitations/{invitation.pk}/renvoyer/"), follow=True)

    assert f"/equipe/invitations/{invitation.pk}/renvoyer/" in team
    assert f"/equipe/invitations/{invitation.pk}/annuler/" in team
    assert "L’invitation est renvoyée à future@example.org." in resent.content.decode()
    assert [m.to for m in mailoutbox] == [["future@example.org"], ["future@example.org"]]
    assert mailoutbox[0].body == mailoutbox[1].body  # the same link
    assert "est retirée" in withdrawn.content.decode()
    assert not shop.invitations.exists()
    assert "n’est plus en attente" in again.content.decode() and len(mailoutbox) == 2
    login(UserFactory(email="future@example.org"))
    refused = client.post("/commercant/invitation/", {"code": invitation.token})
    assert (
        refused.status_code == 200
        and not shop.members.filter(user__email="future@example.org").exists()
    )


def test_staff_and_other_shops_cannot_touch_an_invitation(
    client, login, shop, owner, other_shop, other_owner
):
    staff = UserFactory(email="vendeur@example.org")
    VendorMemberFactory(vendor=shop, user=staff, role=VendorRole.STAFF)
    login(owner)
    client.post(url(shop, "equipe/inviter/"), {"email": "future@example.org", "role": "staff"})
    invitation = shop.invitations.get(email="future@example.org")
    client.logout()

    login(staff)
    by_staff = client.post(url(shop, f"equipe/invitations/{invitation.pk}/annuler/"))
    client.logout()
    login(other_owner)
    by_other = client.post(url(other_shop, f"equipe/invitations/{invitation.pk}/annuler/"))

    assert by_staff.status_code == 403
    assert by_other.status_code == 302  # their own shop has no such invitation: nothing happens
    assert shop.invitations.filter(pk=invitation.pk).exists()


def test_an_accepted_order_is_cancelled_with_its_reason(client, login, town, shop, owner):
    shop_order = paid_order(town, shop)
    login(owner)
    client.post(url(shop, f"commandes/{shop_order.pk}/accepter/"))

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            url(shop, f"commandes/{shop_order.pk}/annuler/"), {"cancel-reason": "Rupture de stock"}
        )

    shop_order.refresh_from_db()
    assert response.status_code == 302
    assert (shop_order.status, shop_order.status_reason) == ("cancelled", "Rupture de stock")
    assert shop_order.refunded_amount == shop_order.subtotal + shop_order.delivery_fee


def test_stock_adjust_without_javascript_goes_back_with_a_message(client, login, shop, owner):
    variant = VariantFactory(product__vendor=shop, vendor=shop, stock=5)
    login(owner)
    back = url(shop, f"produits/{variant.product_id}/")

    response = client.post(
        url(shop, f"stock/{variant.pk}/ajuster/"),
        {"delta": "7", "reason": "received", "next": back},
        follow=True,
    )
    outside = client.post(
        url(shop, f"stock/{variant.pk}/ajuster/"),
        {"delta": "1", "reason": "received", "next": "https://evil.example/"},
    )

    assert response.redirect_chain[-1][0] == back
    assert f"Stock de {variant.sku} mis à jour" in response.content.decode()
    assert outside["Location"] == url(shop, "stock/bas/")
    variant.stock.refresh_from_db()
    assert variant.stock.quantity == 13


def test_inviting_an_existing_account_says_what_happened(client, login, shop, owner):
    UserFactory(email="deja-inscrit@example.org")
    login(owner)

    page = client.post(
        url(shop, "equipe/inviter/"),
        {"email": "deja-inscrit@example.org", "role": "staff"},
        follow=True,
    ).content.decode()

    # the members service decides (an invitation to accept, or at once): the page says which
    if shop.invitations.filter(email="deja-inscrit@example.org").exists():
        assert "deja-inscrit@example.org est invité·e" in page
        assert not shop.members.filter(user__email="deja-inscrit@example.org").exists()
    else:
        assert "deja-inscrit@example.org a rejoint le commerce" in page


def test_a_product_is_unpublished_and_published_from_the_list_and_filtered(
    client, login, shop, owner, other_shop
):
    hidden = VariantFactory(product__vendor=shop, product__name="Huîtres", vendor=shop, stock=3)
    VariantFactory(product__vendor=shop, product__name="Moules", vendor=shop, stock=3)
    foreign = ProductFactory(vendor=other_shop)
    login(owner)
    back = url(shop, "produits/?q=hu")

    listed = client.get(url(shop, "produits/")).content.decode()
    done = client.post(
        url(shop, f"produits/{hidden.product_id}/publier/"), {"published": "0", "next": back}
    )
    unpublished = client.get(url(shop, "produits/?published=no")).content.decode()
    published = client.get(url(shop, "produits/?published=yes")).content.decode()
    edit_page = client.get(url(shop, f"produits/{hidden.product_id}/")).content.decode()
    again = client.post(url(shop, f"produits/{hidden.product_id}/publier/"), {"published": "1"})
    elsewhere = client.post(url(shop, f"produits/{foreign.pk}/publier/"), {"published": "0"})
    off_site = client.post(
        url(shop, f"produits/{hidden.product_id}/publier/"),
        {"published": "1", "next": "https://evil.example/"},
    )

    assert f"produits/{hidden.product_id}/publier/" in listed and "Retirer de la vente" in listed
    assert done.status_code == 302 and done["Location"] == back
    assert "Huîtres" in unpublished and "Moules" not in unpublished
    assert "Moules" in published and "Huîtres" not in published
    assert "Non publié" in edit_page and ">Publier</button>" in edit_page
    assert again["Location"] == url(shop, f"produits/{hidden.product_id}/")
    assert elsewhere.status_code == 404
    assert off_site["Location"] == url(shop, f"produits/{hidden.product_id}/")
    assert Product.objects.get(pk=hidden.product_id).is_published is True
    assert Product.objects.get(pk=foreign.pk).is_published is True


def test_the_picking_list_covers_the_chosen_day_in_the_towns_timezone(
    client, login, town, shop, owner
):
    paris = ZoneInfo("Europe/Paris")
    midnight = datetime.combine(timezone.localtime(timezone.now(), paris).date(), time.min, paris)
    yesterday = (midnight - timedelta(days=1)).date()
    just_after, just_before, handed = (paid_order(town, shop) for _ in range(3))
    # 00:30 in Sète is still the day before in UTC; 23:30 the day before is yesterday in Sète
    ShopOrder.objects.filter(pk=just_after.pk).update(created_at=midnight + timedelta(minutes=30))
    ShopOrder.objects.filter(pk=just_before.pk).update(created_at=midnight - timedelta(minutes=30))
    ShopOrder.objects.filter(pk=handed.pk).update(status="fulfilled", created_at=midnight)
    login(owner)

    today_page = client.get(url(shop, "commandes/preparation/")).content.decode()
    day_before = client.get(url(shop, f"commandes/preparation/?jour={yesterday:%Y-%m-%d}"))
    bad = client.get(url(shop, "commandes/preparation/?jour=31-31-2026"))

    assert just_after.order.number in today_page
    assert just_before.order.number not in today_page
    assert handed.order.number not in today_page  # handed over: nothing to prepare
    assert f'value="{midnight:%Y-%m-%d}"' in today_page
    assert just_before.order.number in day_before.content.decode()
    assert just_after.order.number not in day_before.content.decode()
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.content.decode()


def test_the_order_and_the_picking_list_show_where_to_deliver_and_the_phone(
    client, login, town, shop, owner
):
    delivered = paid_order(town, shop)
    picked_up = paid_order(town, shop, email="autre@example.org")
    delivered.order.phone = "06 12 34 56 78"
    delivered.order.delivery_address = "3 rue de la Paix\n35000 Rennes"
    delivered.order.save(update_fields=["phone", "delivery_address"])
    ShopOrder.objects.filter(pk=delivered.pk).update(delivery_method="local_delivery")
    picked_up.order.delivery_address = "Ne pas montrer"
    picked_up.order.save(update_fields=["delivery_address"])
    login(owner)

    page = client.get(url(shop, f"commandes/{delivered.pk}/")).content.decode()
    pickup_page = client.get(url(shop, f"commandes/{picked_up.pk}/")).content.decode()
    picking = client.get(url(shop, "commandes/preparation/")).content.decode()

    assert "Livrer à" in page and "3 rue de la Paix<br>35000 Rennes" in page
    assert 'href="tel:06 12 34 56 78"' in page
    assert "Ne pas montrer" not in pickup_page and "Ne pas montrer" not in picking
    assert "3 rue de la Paix" in picking and "06 12 34 56 78" in picking


def test_the_category_choices_show_their_vat_rate_the_french_way(
    client, login, shop, owner, category
):
    login(owner)

    page = client.get(url(shop, "produits/nouveau/")).content.decode()

    assert "Épicerie (5,50 %)" in page
