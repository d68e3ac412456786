"""French queries people type, against the real engine loaded with towns.json."""

from __future__ import annotations

from typing import Any

import pytest

from search.backends.engine_index import alias_name
from tests.factories import VariantFactory
from tests.search.helpers import names, search
from vendors.models import Product

pytestmark = pytest.mark.engine

# (town, query, expected product name, it must be within the first N results)
RELEVANCE_TABLE = [
    ("montpellier", "biere", "Bière artisanale IPA", 1),  # accent folding
    ("montpellier", "BIÈRES", "Bière artisanale IPA", 1),  # plural + case
    ("rennes", "galette", "Galettes de sarrasin", 1),  # singular finds plural
    ("montpellier", "huile d'olive", "Huile d'olive vierge extra", 1),  # elision
    ("montpellier", "olives", "Huile d'olive vierge extra", 3),
    ("montpellier", "olives", "Fougasse aux olives", 3),
    ("montpellier", "roqefort", "Roquefort AOP", 1),  # typo
    ("montpellier", "chocol", "Pain au chocolat", 3),  # prefix
    ("montpellier", "chocol", "Tablette chocolat noir 70 %", 3),
    ("montpellier", "eclair", "Éclair au café", 1),
    ("montpellier", "cafe en grain", "Café en grains torréfié", 1),
    ("montpellier", "tomates coeur de boeuf", "Tomates cœur de bœuf", 1),  # œ ligature
    ("montpellier", "pain chocolat", "Pain au chocolat", 1),  # multi-word
    ("montpellier", "vélo électrique", "Vélo à assistance électrique", 1),
    ("montpellier", "velo electrique", "Vélo à assistance électrique", 1),
    ("montpellier", "confitures abricot", "Confiture d'abricots", 1),
    ("montpellier", "chaussure", "Chaussures de randonnée", 1),
    ("montpellier", "perceuse", "Perceuse visseuse sans fil", 1),
    ("montpellier", "perseuse", "Perceuse visseuse sans fil", 1),  # typo
    ("montpellier", "chocolta", "Tablette chocolat noir 70 %", 3),  # two letters swapped
    ("montpellier", "chocolta", "Pain au chocolat", 3),
    ("montpellier", "orchid", "Orchidée blanche", 1),  # prefix + accent
    ("nancy", "mirabelle", "Mirabelles de Lorraine", 2),
    ("nancy", "macaron", "Macarons de Nancy", 1),
    ("rennes", "kouign amann", "Kouign-amann", 1),
    ("saint-etienne", "fourme", "Fourme de Montbrison", 1),
]


def test_french_queries_find_the_expected_products(indexed: Any, gql: Any) -> None:
    # Given the four demo towns indexed
    failures = []
    # When each query of the table is searched in its town
    for town, query, expected, within in RELEVANCE_TABLE:
        found = names(search(gql, town, query, first=within))
        if expected not in found:
            failures.append((town, query, expected, within, found))
    # Then the expected product is always among the first results
    assert failures == []


def test_a_typo_in_a_shop_word_finds_that_shop_first(indexed: Any, gql: Any) -> None:
    # When "fromge" (fromage, typo) is searched in Montpellier
    result = search(gql, "montpellier", "fromge", first=5)
    # Then the first results are products of "La Cloche à Fromage"
    assert {edge["node"]["product"]["vendor"]["slug"] for edge in result["edges"]} == {
        "la-cloche-a-fromage"
    }


def test_a_shop_name_finds_its_products(indexed: Any, gql: Any) -> None:
    # When a shop's name is searched
    result = search(gql, "montpellier", "pirouette")
    # Then exactly that shop's six products come back
    assert result["totalCount"] == 6
    assert {edge["node"]["product"]["vendor"]["slug"] for edge in result["edges"]} == {"pirouette"}


def test_plural_finds_singular(indexed: Any, gql: Any) -> None:
    # Given a product named in the singular
    product = Product.objects.get(vendor__town__slug="nancy", slug="pain-de-campagne")
    product.name = "Gaufre de Liège"
    product.save(update_fields=["name"])
    from search.indexing import search_rebuild_town

    search_rebuild_town(town_slug="nancy")
    # When its plural is searched
    found = names(search(gql, "nancy", "gaufres", first=3))
    # Then it comes first
    assert found == ["Gaufre de Liège"]


def test_a_town_never_shows_another_towns_products(indexed: Any, gql: Any) -> None:
    # Given products that exist only in Rennes (kouign-amann) or only in Nancy
    # When searched in the other town
    in_nancy = search(gql, "nancy", "kouign amann")
    in_rennes = search(gql, "rennes", "kouign amann")
    macarons_in_rennes = search(gql, "rennes", "macarons de nancy")
    # Then nothing comes back there, and they are found at home
    assert in_nancy["totalCount"] == 0
    assert names(in_rennes) == ["Kouign-amann"]
    assert macarons_in_rennes["totalCount"] == 0
    # And browsing a town lists only its own products
    first_page = search(gql, "nancy", "", first=100)
    after = first_page["pageInfo"]["endCursor"]
    second_page = search(gql, "nancy", "", first=100, after=after)
    slugs = {
        (edge["node"]["product"]["vendor"]["slug"], edge["node"]["product"]["slug"])
        for edge in first_page["edges"] + second_page["edges"]
    }
    assert slugs == set(
        Product.objects.filter(vendor__town__slug="nancy").values_list("vendor__slug", "slug")
    )
    assert first_page["totalCount"] == len(slugs) == 109


def test_in_stock_products_rank_above_equal_out_of_stock_ones(indexed: Any, gql: Any) -> None:
    # Given two products with the same name in one shop, only the second in stock
    vendor = Product.objects.get(vendor__town__slug="rennes", slug="pain-de-campagne").vendor
    category = Product.objects.filter(vendor=vendor).first().category  # type: ignore[union-attr]
    empty = Product.objects.create(vendor=vendor, slug="zz-a", name="Pain zébré", category=category)
    full = Product.objects.create(vendor=vendor, slug="zz-b", name="Pain zébré", category=category)
    VariantFactory(product=empty, stock=0)
    VariantFactory(product=full, stock=5)
    from search.indexing import search_rebuild_town

    search_rebuild_town(town_slug="rennes")
    # When searched
    result = search(gql, "rennes", "zebre")
    # Then the one in stock comes first
    assert [edge["node"]["product"]["slug"] for edge in result["edges"]] == ["zz-b", "zz-a"]


def test_the_engine_analyses_french(indexed: Any, engine: Any) -> None:
    # When the index's analyzer reads a French sentence
    response = engine.indices.analyze(
        index=alias_name("montpellier"),
        body={"analyzer": "fr_text", "text": "L'huile d'olive, les Bières et les gaufres"},
    )
    # Then elisions, stop words, accents and plurals are gone
    assert [token["token"] for token in response["tokens"]] == ["huil", "oliv", "bier", "gaufr"]
    # And the autocomplete analyzer indexes prefixes
    prefixes = engine.indices.analyze(
        index=alias_name("montpellier"), body={"analyzer": "fr_autocomplete", "text": "Chocolat"}
    )
    assert [token["token"] for token in prefixes["tokens"]] == [
        "ch", "cho", "choc", "choco", "chocol", "chocola", "chocolat",
    ]  # fmt: skip
