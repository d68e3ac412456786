import pytest
from django.utils.html import escape

from marketplace.catalog.models import Category
from marketplace.towns.loading import load_towns
from tests.factories import VendorFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(towns_data):
    load_towns(towns_data)


def test_the_home_page_lists_the_towns_with_their_shop_counts(client, demo):
    page = client.get("/").content.decode()

    assert "Montpellier" in page and "Saint-Étienne" in page
    assert "16 commerces" in page


def test_a_town_page_lists_only_its_approved_shops(client, demo):
    VendorFactory(town__slug="rennes", name="Pas Encore Ouvert", status=VendorStatus.PENDING)

    page = client.get("/villes/rennes/").content.decode()

    assert "Pas Encore Ouvert" not in page
    assert page.count('<li class="card">') == 16


def test_a_shop_page_shows_products_prices_and_stock(client, demo):
    page = client.get("/villes/montpellier/commerces/boulangerie-du-marche/").content.decode()

    assert "Baguette de tradition" in page
    assert "1,31\u00a0€" in page
    assert "40 en stock" in page


def test_an_unknown_town_or_shop_is_a_404(client, demo):
    assert client.get("/villes/atlantis/").status_code == 404
    assert client.get("/villes/rennes/commerces/no-such-shop/").status_code == 404
    # the first, English paths move to the French ones
    assert client.get("/towns/rennes/", follow=True).redirect_chain == [("/villes/rennes/", 301)]


def test_the_search_page_finds_french_words_without_accents(client, demo, settings):
    settings.SEARCH_BACKEND = "database"

    page = client.get("/villes/rennes/recherche/", {"q": "biere"}).content.decode()

    assert "Bière" in page
    # and the category chips show the categories' names, not their slugs
    category = Category.objects.get(slug="cave")
    assert f'>{escape(category.name)} <span class="count">(' in page
