"""The back office's import of a file holding a null character: the check tells it beside the
file, in French, and offers no import (it used to pass the check, then fail with a 500 when the
merchant confirmed)."""

from __future__ import annotations

import pytest

from marketplace.storefront.merchant.models import CatalogImportJob
from tests.web.merchants.test_merchant_import_columns import _check, _text
from vendors.models import Product

pytestmark = pytest.mark.django_db


def test_a_file_with_a_null_character_is_refused_by_the_check(client, login, shop, owner, category):
    login(owner)

    page = _check(
        client,
        shop,
        "produit;description;catégorie;référence;déclinaison;prix;stock\n"
        "Tie\x00lle sétoise;Au poulpe;epicerie;TIE-1;La pièce;4,50;20\n",
    )

    text = _text(page)
    assert page.status_code == 200
    assert (
        "La ligne 2 contient un caractère nul\u00a0: enregistrez de nouveau le fichier "
        "au format CSV UTF-8." in text
    )
    assert "confirmer/" not in text
    assert CatalogImportJob.objects.get().report["errors"][0]["code"] == "INVALID_FILE"
    assert not Product.objects.filter(vendor=shop).exists()
