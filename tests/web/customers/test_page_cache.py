"""The cached fragments of the town home and the shop page (Redis, as in production): a change
made through the services shows at once, the visitor's own parts are never cached."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.governance.approval import vendor_suspend
from marketplace.storefront.cart import COUNTS
from tests.factories import TownFactory, UserFactory
from vendors.products import product_publish, product_update
from vendors.profile import vendor_update
from vendors.stock_updates import stock_update

pytestmark = pytest.mark.django_db

SHOP = "/villes/bourg/commerces/epicerie/"
HOME = "/villes/bourg/"


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_cache_is_redis():
    assert isinstance(caches["default"], RedisCache)


def test_the_cache_reuses_one_redis_client_per_connection_pool():
    cache = caches["default"]
    cache.set("reused-client", 42)

    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    assert cache.get_many(["reused-client", "absent"]) == {"reused-client": 42}


def test_a_second_visit_reads_the_fragments_from_the_cache(client, shops):
    page(client, SHOP)
    with CaptureQueriesContext(connection) as queries:
        second = page(client, SHOP)

    assert "Miel de châtaignier" in second and "4,90\u00a0€" in second
    # the shop with its town, its free stock: no product, variant or delivery-method query
    assert len(queries) == 2, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        page(client, HOME)
        page(client, HOME)
    # town, shops, categories, the town's postcode ("near me"'s example); then none (the process
    # keeps the town)
    assert len(queries) == 4


def test_a_new_price_shows_on_the_shop_page_at_once(
    client, shops, django_capture_on_commit_callbacks
):
    assert "19,00\u00a0€" in page(client, SHOP)

    with django_capture_on_commit_callbacks(execute=True):
        product_update(
            product_id=shops.honey_big.product_id,
            data={"variants": [{"price": Decimal("21.40")}]},
            variant_ids=[shops.honey_big.pk],
            remove_variant_ids=[],
            user=None,
        )

    html = page(client, SHOP)
    assert "21,40\u00a0€" in html and "19,00\u00a0€" not in html


def test_a_stock_count_shows_on_the_shop_page_at_once(
    client, shops, django_capture_on_commit_callbacks
):
    assert "2 en stock" in page(client, SHOP)

    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=shops.honey_big.pk, quantity=7, user=None)

    assert "7 en stock" in page(client, SHOP)
    with django_capture_on_commit_callbacks(execute=True):
        stock_update(variant_id=shops.honey_big.pk, quantity=0, user=None)

    assert "épuisé" in page(client, SHOP)


def test_stock_held_in_another_cart_shows_at_once_without_any_catalogue_write(client, shops):
    assert "5 en stock" in page(client, SHOP)

    checkout_create(
        town_slug="bourg",
        email="autre@example.org",
        lines=[LineInput(variant_id=shops.honey_small.pk, quantity=3)],
        user=AnonymousUser(),
    )

    assert "2 en stock" in page(client, SHOP)


def test_an_unpublished_product_leaves_the_shop_page_and_the_town_counts_at_once(
    client, shops, django_capture_on_commit_callbacks
):
    assert "Miel de châtaignier" in page(client, SHOP)
    assert 'Épicerie <span class="count">(1)</span>' in page(client, HOME)

    with django_capture_on_commit_callbacks(execute=True):
        product_publish(user=None, product_id=shops.honey_big.product_id, published=False)

    assert "Miel de châtaignier" not in page(client, SHOP)
    home = page(client, HOME)
    assert "Épicerie <span" not in home and 'Pain <span class="count">(1)</span>' in home


def test_a_new_delivery_fee_and_a_suspended_shop_show_at_once(
    client, shops, django_capture_on_commit_callbacks
):
    assert "4,90\u00a0€" in page(client, SHOP)
    assert "Épicerie Miel" in page(client, HOME)

    with django_capture_on_commit_callbacks(execute=True):
        vendor_update(
            vendor_id=shops.grocer.pk,
            data={
                "fulfilment_methods": [
                    {"method": "pickup", "fee": Decimal("0.00")},
                    {"method": "local_delivery", "fee": Decimal("5.20")},
                ]
            },
        )
    assert "5,20\u00a0€" in page(client, SHOP) and "4,90\u00a0€" not in page(client, SHOP)

    with django_capture_on_commit_callbacks(execute=True):
        vendor_suspend(vendor_id=shops.grocer.pk, reason="Fermeture", actor=UserFactory())
    assert "Épicerie Miel" not in page(client, HOME)
    assert client.get(SHOP).status_code == 404


def test_each_language_has_its_own_fragment(client, shops):
    assert "2 en stock" in page(client, SHOP)

    english = client.get(SHOP, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "2 in stock" in english and "en stock" not in english


def test_a_customers_header_and_forms_are_never_taken_from_the_cache(client, shops):
    anonymous = page(client, HOME)
    assert "Se connecter" in anonymous
    customer = UserFactory(email="ada@example.org")
    client.force_login(customer)
    session = client.session
    session[COUNTS] = {"bourg": 2}
    session.save()

    html = page(client, HOME)

    assert "Mon compte" in html and "Se connecter" not in html
    assert "2 articles" in html
    # no form in a fragment: the CSRF tokens are the visitor's own
    token = client.cookies["csrftoken"].value
    # each kept as (its town's or shop's version, the HTML)
    cached = [caches["default"].get(key)[1] for key in _fragment_keys()]
    assert cached and all("csrfmiddlewaretoken" not in f and token not in f for f in cached)
    assert all("nonce" not in fragment for fragment in cached)


def test_the_pages_answer_when_the_cache_is_unreachable(client, shops, settings):
    # a visitor with a session (a cart of one honey) before Redis goes away
    added = client.post(
        "/villes/bourg/panier/ajouter/", {"variant": shops.honey_small.pk, "quantity": 1}
    )
    assert added.status_code == 302
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }

    assert "Miel de châtaignier" in page(client, SHOP)
    assert "Épicerie Miel" in page(client, HOME)
    assert "Miel de châtaignier" in page(client, "/villes/bourg/recherche/?q=miel")
    assert "Miel de châtaignier" in page(client, "/villes/bourg/panier/")


def _fragment_keys():
    cache = caches["default"]
    client = cache._cache.get_client(write=False)
    prefix = cache.make_key("fragment:")
    return [key.decode().removeprefix(cache.make_key("")) for key in client.scan_iter(f"{prefix}*")]


def test_a_town_is_kept_by_the_process_but_an_unknown_one_is_not(client, shops):
    assert client.get("/villes/neuve/").status_code == 404
    TownFactory(slug="neuve", name="Ville Neuve")

    assert "Ville Neuve" in page(client, "/villes/neuve/")
    with CaptureQueriesContext(connection) as queries:
        page(client, "/villes/neuve/")
    assert not [q for q in queries if "towns_town" in q["sql"]]
