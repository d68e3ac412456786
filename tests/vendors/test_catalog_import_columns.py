"""The CSV import's header: English or French column names, in any case, with or without accents;
unknown, missing or repeated columns are named in the file's error and nothing is written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vendors.csv_import import COLUMNS, HEADERS, catalog_import, column_key, column_names
from vendors.models import Variant

ROW = "Comté,Fruité,fromages,COMTE-250,250 g,6.90,12\n"
IMPORTED = [("Comté", "Fruité", "fromages", "COMTE-250", "250 g", Decimal("6.90"), 12)]


def _catalogue(vendor):
    return sorted(
        Variant.objects.filter(vendor=vendor).values_list(
            "product__name",
            "product__description",
            "product__category__slug",
            "sku",
            "name",
            "price",
            "stock__quantity",
        )
    )


def _file_error(world, header: str, language: str = "fr") -> str:
    with translation.override(language), pytest.raises(ValidationError) as raised:
        catalog_import(vendor_id=world.shop_a.pk, content=(header + ROW).encode(), dry_run=True)
    assert [e.code for e in raised.value.error_dict["file"]] == ["INVALID_FILE"]
    return raised.value.error_dict["file"][0].messages[0]


@pytest.mark.parametrize(
    "header",
    [
        "product,description,category,sku,variant_name,price,stock\n",
        "produit,description,catégorie,référence,déclinaison,prix,quantité\n",
        "Nom,Description,Catégorie,Référence,Variante,Prix,Stock\n",
        "NOM DU PRODUIT,DESCRIPTION,CATEGORIE,REF,NOM DE LA VARIANTE,PRIX,QTE\n",
        "Product,Description,Category,SKU,Variant Name,Price,Stock\n",
        " produit , Description ,catégorie,Réf.,variante,prix,Quantité\n",
    ],
)
def test_english_french_and_any_case_headers_import_the_same_catalogue(world, header):
    report = catalog_import(
        vendor_id=world.shop_a.pk, content=(header + ROW).encode(), user=world.owner_a
    )

    assert (report.created, report.errors) == (1, [])
    assert _catalogue(world.shop_a) == IMPORTED


def test_french_columns_in_another_order_are_read_by_their_names(world):
    content = (
        "Prix;Quantité;Référence;Produit;Catégorie;Déclinaison;Description\n"
        "6,90;12;COMTE-250;Comté;fromages;250 g;Fruité\n"
    )

    report = catalog_import(vendor_id=world.shop_a.pk, content=content.encode())

    assert (report.created, report.errors) == (1, [])
    assert _catalogue(world.shop_a) == IMPORTED


def test_unknown_columns_are_named_in_french_with_the_expected_header(world):
    message = _file_error(
        world, "produit,description,catégorie,référence,déclinaison,prix,stock,couleur,\n"
    )

    assert message == (
        "Colonnes inconnues\u00a0: «\u00a0couleur\u00a0», colonne 9 (sans nom). "
        "Les colonnes sont\u00a0: produit, description, catégorie, référence, déclinaison, "
        "prix, stock (dans n'importe quel ordre)."
    )
    assert not Variant.objects.filter(vendor=world.shop_a).exists()


def test_an_unknown_column_in_place_of_a_known_one_is_named_with_the_missing_one(world):
    message = _file_error(
        world, "produit,description,catégorie,référence,déclinaison,tarif,stock\n"
    )

    assert message.startswith(
        "Colonne inconnue\u00a0: «\u00a0tarif\u00a0». Colonne manquante\u00a0: prix. "
    )


def test_a_column_given_twice_is_named(world):
    message = _file_error(world, "produit,description,catégorie,référence,prix,Prix,stock\n")

    assert message.startswith(
        "Colonne manquante\u00a0: déclinaison. Colonne en double\u00a0: prix. "
    )


def test_in_english_the_error_names_the_english_columns(world):
    message = _file_error(world, "product,description,category,sku,variant_name,cost,stock\n", "en")

    assert message == (
        "Unknown column: “cost”. Missing column: price. The columns are: product, description, "
        "category, sku, variant_name, price, stock (in any order)."
    )


def test_the_one_table_names_every_column_once_in_each_language():
    keys = [column_key(name) for names in COLUMNS.values() for name in names]
    assert len(keys) == len(set(keys))
    assert column_names(language="fr") == [
        "produit",
        "description",
        "catégorie",
        "référence",
        "déclinaison",
        "prix",
        "stock",
    ]
    assert column_names(language="en") == list(HEADERS)
    assert column_key(" Nom du Produit ") == "nom_du_produit" == column_key("NOM-DU-PRODUIT")
