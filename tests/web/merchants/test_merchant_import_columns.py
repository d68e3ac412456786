"""The back office's CSV import speaks the merchant's language: the page names the columns in
French (English on request), a French spreadsheet imports, an unknown column is named."""

from __future__ import annotations

import html
import io

import pytest

from marketplace.storefront.merchant.models import CatalogImportJob
from vendors.models import Product, Variant

pytestmark = pytest.mark.django_db


def url(shop, path=""):
    return f"/commercant/{shop.town.slug}/{shop.slug}/{path}"


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _check(client, shop, content: str):
    """Send `content` for its dry run; the job's page."""
    upload = io.BytesIO(content.encode())
    upload.name = "catalogue.csv"
    sent = client.post(url(shop, "import/"), {"file": upload})
    assert sent.status_code == 302
    return client.get(sent["Location"])


def test_the_import_page_names_the_columns_in_french_then_in_english(client, login, shop, owner):
    login(owner)

    french = _text(client.get(url(shop, "import/")))
    english = _text(client.get(url(shop, "import/"), HTTP_ACCEPT_LANGUAGE="en"))

    assert (
        "Colonnes : produit, description, catégorie, référence, déclinaison, prix, stock — "
        "une ligne par déclinaison, dans n’importe quel ordre." in french
    )
    assert "les noms anglais de l’export (product, sku, variant_name, price…)" in french
    assert (
        "Columns: product, description, category, sku, variant_name, price, stock — "
        "one row per variant, in any order." in english
    )


def test_a_spreadsheet_with_french_headers_in_any_case_is_checked_then_imported(
    client, login, shop, owner, category
):
    login(owner)

    checked = _check(
        client,
        shop,
        "Produit;Description;Catégorie;RÉFÉRENCE;Déclinaison;Prix;Quantité\n"
        "Tielle sétoise;Au poulpe;epicerie;TIE-1;La pièce;4,50;20\n",
    )
    job = CatalogImportJob.objects.get(vendor=shop)
    imported = client.post(url(shop, f"import/{job.pk}/confirmer/"), follow=True)

    assert "Le fichier est correct" in _text(checked)
    assert imported.status_code == 200
    variant = Variant.objects.select_related("product", "stock").get(vendor=shop)
    assert (variant.product.name, variant.sku, variant.name, str(variant.price)) == (
        "Tielle sétoise",
        "TIE-1",
        "La pièce",
        "4.50",
    )
    assert variant.stock.quantity == 20


def test_an_unknown_column_is_named_and_nothing_is_written(client, login, shop, owner, category):
    login(owner)

    page = _text(
        _check(
            client,
            shop,
            "produit,description,catégorie,référence,déclinaison,tarif,stock\n"
            "Tielle,,epicerie,TIE-1,,4.50,20\n",
        )
    )

    assert "Colonne inconnue\u00a0: «\u00a0tarif\u00a0». Colonne manquante\u00a0: prix." in page
    assert "Les colonnes sont\u00a0: produit, description, catégorie" in page
    assert not Product.objects.filter(vendor=shop).exists()


def test_a_row_error_names_its_column_as_the_page_does(client, login, shop, owner, category):
    login(owner)
    content = "produit,description,catégorie,référence,déclinaison,prix,stock\nTielle,,epicerie,TIE-1,,abc,20\n"

    french = _check(client, shop, content)
    job = CatalogImportJob.objects.get(vendor=shop)
    english = client.get(url(shop, f"import/{job.pk}/"), HTTP_ACCEPT_LANGUAGE="en")

    assert '<td class="num">2</td><td>prix</td>' in _text(french)
    assert '<td class="num">2</td><td>price</td>' in _text(english)
    assert not Product.objects.filter(vendor=shop).exists()
