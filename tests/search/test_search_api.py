"""The public `search` query on the real engine: filters, facets, near, sorting, pages, errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from marketplace.catalog.models import Category
from search.indexing import search_rebuild_town
from search.query import haversine_km
from tests.search.helpers import SEARCH_QUERY, search
from vendors.models import Product, Vendor

pytestmark = pytest.mark.engine

TOWN = "montpellier"


@pytest.fixture
def montpellier(engine: Any, towns: dict[str, Any]) -> Any:
    search_rebuild_town(town_slug=TOWN)
    return towns[TOWN]


def _facet(result: dict[str, Any], name: str) -> dict[str, int]:
    return {item["value"]: item["count"] for item in result["facets"][name]}


def _town_products() -> Any:
    return Product.objects.filter(vendor__town__slug=TOWN)


def test_a_parent_category_includes_its_children(montpellier: Any, gql: Any) -> None:
    # When filtering on the parent category "alimentation"
    result = search(gql, TOWN, filter={"categories": ["alimentation"]}, first=100)
    # Then every product of its sub-categories is there
    expected = _town_products().filter(category__parent__slug="alimentation").count()
    assert result["totalCount"] == expected == 59


def test_a_facet_ignores_its_own_selection_and_applies_the_others(
    montpellier: Any, gql: Any
) -> None:
    # When the category "cave" is selected
    result = search(gql, TOWN, filter={"categories": ["cave"]})
    # Then only its 12 products are listed
    assert result["totalCount"] == 12
    # And the category facet still counts every category (its own selection ignored)
    categories = _facet(result, "categories")
    assert categories["cave"] == 12
    assert categories["fromagerie"] == 9
    assert categories["alimentation"] == 59
    # And the shop facet counts within the selected category only
    assert _facet(result, "vendors") == {"la-cave-du-quartier": 8, "la-cave-voutee": 4}
    # When a shop is selected as well
    both = search(gql, TOWN, filter={"categories": ["cave"], "vendors": ["la-cave-voutee"]})
    # Then the shop facet still offers both shops, and categories count that shop only
    assert both["totalCount"] == 4
    assert _facet(both, "vendors") == {"la-cave-du-quartier": 8, "la-cave-voutee": 4}
    assert _facet(both, "categories") == {"alimentation": 4, "cave": 4}


def test_price_stock_and_fulfilment_filters(montpellier: Any, gql: Any) -> None:
    # When filtering on a price range
    priced = search(gql, TOWN, filter={"priceMin": "5", "priceMax": "10.50"})
    # Then the products with a variant in that range are found
    expected = (
        _town_products()
        .filter(variants__price__gte=Decimal("5"), variants__price__lte=Decimal("10.50"))
        .distinct()
        .count()
    )
    assert priced["totalCount"] == expected
    # And the price-range facet ignores the price selection
    browse = search(gql, TOWN)
    assert priced["facets"]["priceRanges"] == browse["facets"]["priceRanges"]
    # When filtering on stock
    in_stock = search(gql, TOWN, filter={"inStock": True})
    expected_in_stock = _town_products().filter(variants__stock__quantity__gt=0).distinct().count()
    assert in_stock["totalCount"] == expected_in_stock
    assert _facet(in_stock, "availability") == {
        "in_stock": expected_in_stock,
        "out_of_stock": 109 - expected_in_stock,
    }
    # When filtering on a fulfilment method
    shipping = search(gql, TOWN, filter={"fulfilment": ["SHIPPING"]})
    expected_shipping = (
        _town_products().filter(vendor__fulfilment_methods__method="shipping").count()
    )
    assert shipping["totalCount"] == expected_shipping
    assert _facet(shipping, "fulfilment")["pickup"] == 109


def test_near_keeps_the_radius_and_sorts_by_distance(montpellier: Any, gql: Any) -> None:
    # Given a point in the centre of Montpellier
    point = {"latitude": 43.6108, "longitude": 3.8767, "radiusKm": 1.5}
    # When searching near it, sorted by distance
    result = search(gql, TOWN, near=point, sortBy="DISTANCE", first=100)
    # Then exactly the products of the shops within 1.5 km are found, nearest first
    inside = [
        p
        for p in _town_products().select_related("vendor")
        if haversine_km(43.6108, 3.8767, p.vendor.latitude, p.vendor.longitude) <= 1.5
    ]
    distances = [edge["node"]["distanceKm"] for edge in result["edges"]]
    assert result["totalCount"] == len(inside)
    assert 0 < len(inside) < 109
    assert distances == sorted(distances)
    assert max(distances) <= 1.5


def test_price_sorting(montpellier: Any, gql: Any) -> None:
    # When sorting by price, both ways
    query = SEARCH_QUERY.replace("slug name", "slug name variants { price { amount } }")
    up = gql.execute(query, {"town": TOWN, "query": "pain", "sortBy": "PRICE_ASC"})["search"]
    down = gql.execute(query, {"town": TOWN, "query": "pain", "sortBy": "PRICE_DESC"})["search"]

    def lowest(result: dict[str, Any]) -> list[Decimal]:
        return [
            min(Decimal(v["price"]["amount"]) for v in edge["node"]["product"]["variants"])
            for edge in result["edges"]
        ]

    # Then the engine answered both, and the lowest prices go up, then down
    assert (up["backend"], down["backend"]) == ("ENGINE", "ENGINE")
    assert len(lowest(up)) > 2
    assert lowest(up) == sorted(lowest(up))
    assert lowest(down) == sorted(lowest(down), reverse=True)


def test_pages_follow_each_other(montpellier: Any, gql: Any) -> None:
    # When browsing 10 by 10
    first = search(gql, TOWN, first=10)
    second = search(gql, TOWN, first=10, after=first["pageInfo"]["endCursor"])
    # Then the pages do not overlap and the count is the town's
    ids_1 = [edge["node"]["product"]["id"] for edge in first["edges"]]
    ids_2 = [edge["node"]["product"]["id"] for edge in second["edges"]]
    assert len(ids_1) == len(ids_2) == 10
    assert not set(ids_1) & set(ids_2)
    assert first["totalCount"] == second["totalCount"] == 109
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasPreviousPage"] is True


def test_one_sql_query_for_the_page_of_products(
    montpellier: Any, gql: Any, django_assert_num_queries: Any
) -> None:
    # When a page of products is searched
    query = '{ search(town: "montpellier", query: "pain") { edges { node { product { name } } } } }'
    with django_assert_num_queries(2):  # the town, then the page's products
        result = gql.execute(query)
    # Then they are all there
    assert {edge["node"]["product"]["name"] for edge in result["search"]["edges"]} == {
        "Pain au chocolat",
        "Pain de campagne",
        "Pain complet bio",
    }


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"town": "atlantis"}, "TOWN_NOT_FOUND", "town"),
        ({"town": TOWN, "sortBy": "DISTANCE"}, "NEAR_REQUIRED", "sortBy"),
        ({"town": TOWN, "filter": {"priceMin": "20", "priceMax": "10"}}, "INVALID", "priceMin"),
        (
            {"town": TOWN, "near": {"latitude": 43.6, "longitude": 3.8, "radiusKm": 0}},
            "INVALID",
            "near",
        ),
    ],
)
def test_bad_searches_get_a_coded_error(
    towns: Any, gql: Any, variables: dict[str, Any], code: str, field: str
) -> None:
    # When searching with a bad argument
    body = gql.execute(SEARCH_QUERY, variables, expect_errors=True)
    # Then a coded error names the argument
    assert body["data"] is None
    assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in body["errors"]] == [
        (code, field)
    ]


def test_each_facet_value_has_a_label_to_show(montpellier: Any, gql: Any) -> None:
    # When searching the cave category (French by default)
    result = search(gql, TOWN, filter={"categories": ["cave"]})
    labels = {
        name: {item["value"]: item["label"] for item in result["facets"][name]}
        for name in ("categories", "vendors", "fulfilment", "availability")
    }
    # Then categories and shops show their names, fixed choices their French names
    assert labels["categories"]["cave"] == Category.objects.get(slug="cave").name
    assert labels["vendors"] == {
        slug: Vendor.objects.get(town__slug=TOWN, slug=slug).name
        for slug in ("la-cave-du-quartier", "la-cave-voutee")
    }
    assert labels["fulfilment"]["pickup"] == "Retrait sur place"
    assert set(labels["availability"].values()) <= {"En stock", "Épuisé"}
