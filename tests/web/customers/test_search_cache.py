"""The search's cached facets and results (Redis, as in production): what a write changes shows at
once, what changes without a write (stock held in carts) too, and no two different searches or
languages or points "near me" share a fragment."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.governance.approval import vendor_suspend
from tests.factories import UserFactory
from tests.web.customers.test_page_cache import _fragment_keys
from vendors.products import product_publish, product_update
from vendors.stock_updates import stock_update

pytestmark = pytest.mark.django_db

SEARCH = "/villes/bourg/recherche/?q=miel"
IN_STOCK = '<span class="badge ok">En stock</span>'
SOLD_OUT = '<span class="badge danger">Épuisé</span>'


def search(client, path=SEARCH, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response["Cache-Status"], response.content.decode()


def test_the_same_search_again_comes_from_the_cache_with_one_stock_query(client, shops):
    assert search(client)[0] == "storefront-search; fwd=miss"

    with CaptureQueriesContext(connection) as queries:
        status, html = search(Client())

    assert status == "storefront-search; hit"
    assert "Miel de châtaignier" in html and "à partir de 6,50\u00a0€" in html
    # the hits' free stock: no town (kept by the process), search, product or variant query
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "vendors_stock" in queries[0]["sql"]


def test_other_terms_filters_sort_or_page_are_other_fragments(client, shops):
    search(client)

    for path in (
        "/villes/bourg/recherche/?q=baguette",
        "/villes/bourg/recherche/?q=miel&category=epicerie",
        "/villes/bourg/recherche/?q=miel&sort=price_desc",
        "/villes/bourg/recherche/?q=miel&page=2",
    ):
        assert search(client, path)[0] == "storefront-search; fwd=miss", path
    status, html = search(client, "/villes/bourg/recherche/?q=baguette")
    assert status == "storefront-search; hit"
    assert "Baguette de tradition" in html and "Miel de châtaignier" not in html


def test_a_new_price_shows_in_the_search_at_once(client, shops, django_capture_on_commit_callbacks):
    assert "19,00\u00a0€" not in search(client)[1]  # "from 6.50" for the two sizes
    with django_capture_on_commit_callbacks(execute=True):
        product_update(
            product_id=shops.honey_big.product_id,
            data={"variants": [{"price": Decimal("4.10")}]},
            variant_ids=[shops.honey_big.pk],
            remove_variant_ids=[],
            user=None,
        )

    status, html = search(client)
    assert status == "storefront-search; fwd=miss"
    assert "à partir de 4,10\u00a0€" in html and "6,50" not in html


def test_a_stock_change_shows_in_the_search_at_once(
    client, shops, django_capture_on_commit_callbacks
):
    assert IN_STOCK in search(client)[1]

    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=shops.honey_small.pk, quantity=0, user=None)
        stock_update(variant_id=shops.honey_big.pk, quantity=0, user=None)

    html = search(client)[1]
    assert SOLD_OUT in html and IN_STOCK not in html


def test_stock_held_in_another_cart_shows_in_the_search_without_any_catalogue_write(shops):
    client = Client()
    search(client, "/villes/bourg/recherche/?q=baguette")
    assert search(client, "/villes/bourg/recherche/?q=baguette")[0].endswith("hit")

    checkout_create(
        town_slug="bourg",
        email="autre@example.org",
        lines=[LineInput(variant_id=shops.baguette.pk, quantity=40)],
        user=AnonymousUser(),
    )

    status, html = search(client, "/villes/bourg/recherche/?q=baguette")
    assert status == "storefront-search; fwd=miss"
    assert SOLD_OUT in html and IN_STOCK not in html


def test_an_unpublished_product_or_a_suspended_shop_leaves_the_search_at_once(
    client, shops, django_capture_on_commit_callbacks
):
    search(client)
    with django_capture_on_commit_callbacks(execute=True):
        product_publish(user=None, product_id=shops.honey_big.product_id, published=False)
    html = search(client)[1]
    assert "Miel de châtaignier" not in html and "0 produit" in html

    search(client, "/villes/bourg/recherche/?q=baguette")
    with django_capture_on_commit_callbacks(execute=True):
        vendor_suspend(vendor_id=shops.bakery.pk, reason="Fermeture", actor=UserFactory())
    assert "Baguette de tradition" not in search(client, "/villes/bourg/recherche/?q=baguette")[1]


def test_each_language_has_its_own_search_fragment(client, shops):
    assert "1 produit" in search(client)[1]

    status, english = search(client, HTTP_ACCEPT_LANGUAGE="en")

    assert status == "storefront-search; fwd=miss"
    assert "1 product" in english and "from €6.50" in english and "produit" not in english


def test_two_points_near_me_are_two_fragments(shops):
    near = "/villes/bourg/recherche/?near=1&sort=distance"
    bakery, grocer = Client(), Client()
    bakery.post("/villes/bourg/pres-de-moi/", {"lat": "45.001", "lon": "5.001"})
    grocer.post("/villes/bourg/pres-de-moi/", {"lat": "45.1", "lon": "5.1"})

    first = search(bakery, near)[1]
    status, second = search(grocer, near)

    assert status == "storefront-search; fwd=miss"
    assert first.index("Baguette de tradition") < first.index("Miel de châtaignier")
    assert second.index("Miel de châtaignier") < second.index("Baguette de tradition")


def test_no_form_or_visitor_data_is_in_the_search_fragment(client, shops):
    client.force_login(UserFactory(email="ada@example.org"))

    html = search(client)[1]

    assert "Mon compte" in html and "csrfmiddlewaretoken" in html  # the page has them…
    token = client.cookies["csrftoken"].value
    # kept in this process (what visitors type must not grow Redis), not in Redis
    assert not [key for key in _fragment_keys() if ":search:" in key]
    local = caches["fragments-local"]
    kept = [local.get(made.split(":", 2)[2])[1] for made in list(local._cache)]
    assert len(kept) == 1
    fragments = kept[0].facets_html + kept[0].results_html
    assert "Miel de châtaignier" in fragments  # …the fragments do not
    assert "csrfmiddlewaretoken" not in fragments and token not in fragments
    assert "Mon compte" not in fragments and "ada@" not in fragments
