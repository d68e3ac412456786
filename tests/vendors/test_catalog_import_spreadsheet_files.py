"""What a French spreadsheet writes into a CSV file: digit groups separated by no-break spaces
("1 234,50" in French formats) are read as numbers; a null character, which no text field can
hold, refuses the file on its `file` field instead of failing when the import writes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vendors.csv_import import catalog_import
from vendors.models import Product, Variant

HEADER = "produit;description;catégorie;référence;déclinaison;prix;stock\n"


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_a_price_and_a_stock_with_digit_groups_are_read_as_numbers(world, space):
    content = f"Meule de comté;Fruité;fromages;COMTE-40KG;40 kg;1{space}234,50;1{space}200\n"

    report = catalog_import(
        vendor_id=world.shop_a.pk, content=(HEADER + content).encode(), user=world.owner_a
    )

    assert (report.created, report.errors) == (1, [])
    assert list(
        Variant.objects.filter(vendor=world.shop_a).values_list("price", "stock__quantity")
    ) == [(Decimal("1234.50"), 1200)]


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_null_character_refuses_the_file_in_french_and_writes_nothing(world, dry_run):
    content = (
        HEADER + "Comté;Fruité;fromages;COMTE-250;250 g;6,90;12\nTie\x00lle;;fromages;T;;4,50;2\n"
    )

    with translation.override("fr"), pytest.raises(ValidationError) as raised:
        catalog_import(
            vendor_id=world.shop_a.pk, content=content.encode(), dry_run=dry_run, user=world.owner_a
        )

    (error,) = raised.value.error_dict["file"]
    assert (error.code, error.messages) == (
        "INVALID_FILE",
        [
            "La ligne 3 contient un caractère nul\u00a0: enregistrez de nouveau le fichier "
            "au format CSV UTF-8."
        ],
    )
    assert not Product.objects.filter(vendor=world.shop_a).exists()


def test_a_file_saved_in_windows_1252_is_told_how_to_save_it_in_french(world):
    # French Excel's "CSV (séparateur : point-virgule)" writes Windows-1252, not UTF-8
    content = (HEADER + "Comté;Fruité;fromages;COMTE-250;250 g;6,90;12\n").encode("cp1252")

    with translation.override("fr"), pytest.raises(ValidationError) as raised:
        catalog_import(vendor_id=world.shop_a.pk, content=content, dry_run=True)

    (error,) = raised.value.error_dict["file"]
    assert (error.code, error.messages) == (
        "INVALID_FILE",
        [
            "Le fichier n’est pas du texte UTF-8\u00a0: dans le tableur, enregistrez-le au format "
            "«\u00a0CSV UTF-8\u00a0»."
        ],
    )


def test_a_quote_left_open_names_its_line_in_french(world):
    # the open quote makes one cell of the rest of the file, beyond the csv module's limit
    rows = 'Comté;"Fruité;fromages;COMTE-250;250 g;6,90;12\n' + (
        "Tomme;Douce;fromages;TOMME-{};1 kg;9,90;4\n" * 8000
    )

    with translation.override("fr"):
        report = catalog_import(
            vendor_id=world.shop_a.pk, content=(HEADER + rows).encode(), user=world.owner_a
        )

    assert [(e.line, e.field, e.code, e.message) for e in report.errors] == [
        (
            2,
            None,
            "INVALID_FILE",
            "La ligne 2 est illisible\u00a0: une de ses cellules ne se termine jamais "
            '(un guillemet " resté ouvert\u00a0?).',
        )
    ]
    assert not Product.objects.filter(vendor=world.shop_a).exists()
