"""The database backend (demo) answers the same `search` query: town-scoped, accent-insensitive."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.governance.approval import vendor_suspend
from search.query import haversine_km
from tests.factories import UserFactory
from tests.search.helpers import SEARCH_QUERY, names, search
from tests.search.test_relevance import RELEVANCE_TABLE
from vendors.models import Product, Vendor
from vendors.products import product_publish

TOWN = "montpellier"


@pytest.fixture
def database_backend(settings: Any, towns: Any) -> Any:
    settings.SEARCH_BACKEND = "database"
    return towns


def _facet(result: dict[str, Any], name: str) -> dict[str, int]:
    return {item["value"]: item["count"] for item in result["facets"][name]}


@pytest.mark.parametrize(
    ("town", "query", "expected"),
    [
        ("montpellier", "biere", "Bière artisanale IPA"),
        ("montpellier", "BIÈRES", "Bière artisanale IPA"),
        ("rennes", "galette", "Galettes de sarrasin"),
        ("montpellier", "huile d'olive", "Huile d'olive vierge extra"),
        ("montpellier", "roqefort", "Roquefort AOP"),
        ("montpellier", "tomates coeur de boeuf", "Tomates cœur de bœuf"),
        ("montpellier", "velo electrique", "Vélo à assistance électrique"),
        ("montpellier", "confitures abricot", "Confiture d'abricots"),
    ],
)
def test_french_queries(
    database_backend: Any, gql: Any, town: str, query: str, expected: str
) -> None:
    # When a French query is searched
    found = names(search(gql, town, query, first=1))
    # Then the expected product comes first
    assert found == [expected]


def test_prefix_and_shop_name(database_backend: Any, gql: Any) -> None:
    # When a prefix or a shop's name is searched
    chocolate = names(search(gql, TOWN, "chocol", first=3))
    shop = search(gql, TOWN, "pirouette")
    # Then the products starting so, and the shop's products, are found
    assert all("hocolat" in name for name in chocolate[:2])
    assert shop["totalCount"] == 6


def test_town_isolation(database_backend: Any, gql: Any) -> None:
    # When a Rennes-only product is searched in Nancy and in Rennes
    # Then only Rennes finds it
    assert search(gql, "nancy", "kouign amann")["totalCount"] == 0
    assert names(search(gql, "rennes", "kouign amann")) == ["Kouign-amann"]
    assert search(gql, "nancy")["totalCount"] == 109


def test_filters_and_facets(database_backend: Any, gql: Any) -> None:
    # When the category "cave" is selected, then a shop too
    cave = search(gql, TOWN, filter={"categories": ["cave"]})
    both = search(gql, TOWN, filter={"categories": ["cave"], "vendors": ["la-cave-voutee"]})
    parent = search(gql, TOWN, filter={"categories": ["alimentation"]})
    # Then the counts are those of the engine: a facet ignores its own selection only
    assert (cave["totalCount"], both["totalCount"], parent["totalCount"]) == (12, 4, 59)
    assert _facet(cave, "categories")["fromagerie"] == 9
    assert _facet(cave, "vendors") == {"la-cave-du-quartier": 8, "la-cave-voutee": 4}
    assert _facet(both, "vendors") == {"la-cave-du-quartier": 8, "la-cave-voutee": 4}
    assert _facet(both, "categories") == {"alimentation": 4, "cave": 4}
    # And price, stock and fulfilment filters count as in the database
    priced = search(gql, TOWN, filter={"priceMin": "5", "priceMax": "10.50"})
    town_products = Product.objects.filter(vendor__town__slug=TOWN)
    assert priced["totalCount"] == (
        town_products.filter(variants__price__gte=5, variants__price__lte="10.50")
        .distinct()
        .count()
    )
    in_stock = search(gql, TOWN, filter={"inStock": True})
    assert in_stock["totalCount"] == (
        town_products.filter(variants__stock__quantity__gt=0).distinct().count()
    )
    shipping = search(gql, TOWN, filter={"fulfilment": ["SHIPPING"]})
    assert shipping["totalCount"] == (
        town_products.filter(vendor__fulfilment_methods__method="shipping").count()
    )


def test_near_sorting_and_pages(database_backend: Any, gql: Any) -> None:
    # When searching within 1.5 km of the centre, nearest first
    near = {"latitude": 43.6108, "longitude": 3.8767, "radiusKm": 1.5}
    result = search(gql, TOWN, near=near, sortBy="DISTANCE", first=100)
    inside = [
        p
        for p in Product.objects.filter(vendor__town__slug=TOWN).select_related("vendor")
        if haversine_km(43.6108, 3.8767, p.vendor.latitude, p.vendor.longitude) <= 1.5
    ]
    distances = [edge["node"]["distanceKm"] for edge in result["edges"]]
    # Then exactly those are found, in order of distance
    assert result["totalCount"] == len(inside)
    assert distances == sorted(distances)
    # When sorting by price and paging
    query = SEARCH_QUERY.replace("slug name", "slug name variants { price { amount } }")
    up = gql.execute(query, {"town": TOWN, "sortBy": "PRICE_ASC", "first": 30})["search"]
    lowest = [
        min(float(v["price"]["amount"]) for v in edge["node"]["product"]["variants"])
        for edge in up["edges"]
    ]
    assert lowest == sorted(lowest)
    second = search(gql, TOWN, first=30, after=up["pageInfo"]["endCursor"], sortBy="PRICE_ASC")
    assert len(second["edges"]) == 30
    assert second["pageInfo"]["hasPreviousPage"] is True


def test_a_suspended_shop_vanishes(database_backend: Any, gql: Any) -> None:
    # When the association suspends a shop
    vendor = Vendor.objects.get(town__slug=TOWN, slug="pirouette")
    vendor_suspend(vendor_id=vendor.pk, reason="Contrôle", actor=UserFactory())
    # Then its products are not found any more
    assert search(gql, TOWN, "pirouette")["totalCount"] == 0


def test_an_unpublished_product_vanishes_and_comes_back(database_backend: Any, gql: Any) -> None:
    # Given a product found
    product = Product.objects.get(vendor__town__slug=TOWN, slug="cerf-volant")
    assert names(search(gql, TOWN, "cerf volant")) == ["Cerf-volant"]
    # When its shop unpublishes it, it is not found; published again, it is
    product_publish(user=None, product_id=product.pk, published=False)
    hidden = search(gql, TOWN, "cerf volant")["totalCount"]
    product_publish(user=None, product_id=product.pk, published=True)
    assert hidden == 0
    assert names(search(gql, TOWN, "cerf volant")) == ["Cerf-volant"]


def test_unknown_town(database_backend: Any, gql: Any) -> None:
    # When searching a town that does not exist
    body = gql.execute(SEARCH_QUERY, {"town": "atlantis"}, expect_errors=True)
    # Then the error is coded
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TOWN_NOT_FOUND"]


@pytest.mark.parametrize(("town", "query", "expected", "within"), RELEVANCE_TABLE)
def test_the_engines_relevance_table(
    database_backend: Any, gql: Any, town: str, query: str, expected: str, within: int
) -> None:
    # When a query of the engine's relevance table is searched on the database
    found = names(search(gql, town, query, first=within))
    # Then the expected product is among the first results, as on the engine
    assert expected in found, found
