"""Names are listed in French alphabetical order, whatever the database's default collation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace.core.collation import FrenchOrder, french_sort_key
from marketplace.towns.models import Town
from tests.factories import TownFactory, VendorFactory

NAMES = ["Zèbre-sur-Mer", "Épinal", "abbeville", "Brest", "Évreux", "eu"]
FRENCH = ["abbeville", "Brest", "Épinal", "eu", "Évreux", "Zèbre-sur-Mer"]


@pytest.mark.django_db
def test_the_database_lists_names_in_french_order() -> None:
    for name in NAMES:
        TownFactory(name=name)

    names = list(Town.objects.order_by(FrenchOrder("name")).values_list("name", flat=True))

    assert names == FRENCH


@pytest.mark.django_db
def test_towns_are_listed_in_french_order_by_default() -> None:
    for name in NAMES:
        TownFactory(name=name)

    assert [town.name for town in Town.objects.all()] == FRENCH


def test_a_python_list_is_sorted_the_same_way() -> None:
    assert sorted(NAMES, key=french_sort_key) == FRENCH


@pytest.mark.django_db
def test_a_towns_page_lists_its_shops_in_french_order(client) -> None:
    place = TownFactory()
    for name in ("Zèbre Café", "Épicerie du Marché", "boulangerie Martin", "Fromagerie"):
        VendorFactory(town=place, name=name)

    page = client.get(reverse("storefront:town", kwargs={"town": place.slug})).content.decode()

    positions = [
        page.index(name)
        for name in ("boulangerie Martin", "Épicerie du Marché", "Fromagerie", "Zèbre Café")
    ]
    assert positions == sorted(positions)
