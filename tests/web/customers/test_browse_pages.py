"""Browsing a town with the Django test client: home, search (facets, sorts, near me), shop, product."""

import pytest

from vendors.models import Stock
from vendors.products import product_publish

pytestmark = pytest.mark.django_db


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def test_the_town_home_shows_categories_shops_open_or_closed_and_the_search(client, shops):
    html = page(client.get("/villes/bourg/"))

    assert "Pain" in html and "Épicerie" in html
    assert "Ouvert en ce moment" in html  # the bakery opens all week, all day
    assert "Fermé en ce moment" in html  # the grocer has no hours
    assert 'hx-get="/villes/bourg/suggestions/"' in html
    assert "Ailleurs" not in html


def test_suggestions_come_from_the_search_service(client, shops):
    html = page(client.get("/villes/bourg/suggestions/", {"q": "bague"}))

    assert "Baguette de tradition" in html
    assert "/villes/bourg/commerces/boulangerie/baguette/" in html


def test_search_shows_facets_with_counts_and_filters_by_one(client, shops):
    html = page(client.get("/villes/bourg/recherche/"))
    assert "2 produits" in html
    assert 'Pain <span class="count">(1)</span>' in html

    html = page(client.get("/villes/bourg/recherche/", {"category": "epicerie"}))
    assert "1 produit" in html and "Miel de châtaignier" in html and "Baguette" not in html
    assert "à partir de 6,50\u00a0€" in html


def test_search_near_a_postcode_sorts_by_distance_without_the_place_in_the_url(client, shops):
    response = client.post("/villes/bourg/pres-de-moi/", {"where": "01090", "q": ""})

    assert response["Location"] == "/villes/bourg/recherche/?near=1&sort=distance"
    html = page(client.get(response["Location"]))
    assert html.index("Miel de châtaignier") < html.index("Baguette de tradition")
    assert " km" in html and "près de vous" in html


def test_the_browsers_position_stays_in_the_session(client, shops):
    response = client.post(
        "/villes/bourg/pres-de-moi/", {"lat": "45.0012345", "lon": "5.001", "q": "miel"}
    )

    assert response["Location"] == "/villes/bourg/recherche/?q=miel&near=1&sort=distance"
    assert client.session["near"] == {"bourg": [45.0012, 5.001]}


def test_an_unknown_place_is_told_in_words(client, shops):
    response = client.post("/villes/bourg/pres-de-moi/", {"where": "Atlantide"}, follow=True)

    assert "Nous ne connaissons pas le lieu" in page(response)
    assert "near" not in client.session


def near_field(html):
    return html.split('id="near-where"')[1].split(">")[0]


def test_near_me_gives_the_towns_own_postcode_as_an_example(client, shops):
    # the bakery is in Bourg (01000); the grocer, in Montmerle (01090), is not the town's
    assert 'placeholder="p. ex. 01000"' in near_field(page(client.get("/villes/bourg/")))
    assert 'placeholder="p. ex. 01000"' in near_field(page(client.get("/villes/bourg/recherche/")))
    # a town none of whose shops is in the town itself: its name (a place near me knows)
    assert 'placeholder="p. ex. Ailleurs"' in near_field(page(client.get("/villes/ailleurs/")))


def test_near_me_keeps_the_place_typed_found_or_not(client, shops):
    found = client.post("/villes/bourg/pres-de-moi/", {"where": "01090"}, follow=True)
    unknown = client.post("/villes/bourg/pres-de-moi/", {"where": "Atlantide"}, follow=True)

    assert 'value="01090"' in near_field(page(found))
    assert 'value="Atlantide"' in near_field(page(unknown))
    assert "Nous ne connaissons pas le lieu" in page(unknown)
    assert 'value="Atlantide"' in near_field(page(client.get("/villes/bourg/")))


def test_a_shop_page_has_hours_address_map_link_delivery_and_products_by_category(client, shops):
    html = page(client.get("/villes/bourg/commerces/epicerie/"))

    assert "openstreetmap.org/?mlat=45.1" in html
    assert "Livraison locale" in html and "4,90\u00a0€" in html
    assert "Lundi" in html and "fermé" in html
    assert "Miel de châtaignier" in html


def test_a_product_page_shows_variants_with_price_and_stock_and_the_add_form(client, shops):
    html = page(client.get("/villes/bourg/commerces/epicerie/miel/"))

    assert "250 g" in html and "1 kg" in html
    assert "19,00\u00a0€" in html and "2 en stock" in html
    assert 'action="/villes/bourg/panier/ajouter/"' in html


def test_a_sold_out_product_says_so_and_offers_no_add_button(client, shops):
    Stock.objects.filter(variant=shops.baguette).update(quantity=3, quantity_allocated=3)

    html = page(client.get("/villes/bourg/commerces/boulangerie/baguette/"))

    assert "add-to-cart" not in html and "Ajouter au panier" not in html
    assert "<strong>Épuisé</strong> · Ce produit ne peut pas être commandé pour le moment." in html


def test_a_sold_out_choice_cannot_be_chosen_while_the_others_can(client, shops):
    Stock.objects.filter(variant=shops.honey_small).update(quantity=0)

    html = page(client.get("/villes/bourg/commerces/epicerie/miel/"))

    assert f'<option value="{shops.honey_small.pk}" disabled>250 g (épuisé)</option>' in html
    assert f'<option value="{shops.honey_big.pk}" selected>1 kg</option>' in html
    assert "Ajouter au panier" in html


def test_unknown_town_shop_or_product_is_a_404(client, shops):
    assert client.get("/villes/atlantis/").status_code == 404
    assert client.get("/villes/bourg/commerces/nope/").status_code == 404
    assert client.get("/villes/bourg/commerces/boulangerie/miel/").status_code == 404


def test_the_old_english_paths_redirect_to_the_french_ones(client, shops):
    response = client.get("/towns/bourg/search/?q=miel")

    assert response.status_code == 301
    assert response["Location"] == "/villes/bourg/recherche/?q=miel"


def test_pages_send_a_content_security_policy_without_inline_code(client, shops):
    response = client.get("/villes/bourg/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "stripe" not in policy


def test_pages_are_in_english_on_request_with_money_in_the_english_format(client, shops):
    html = page(client.get("/villes/bourg/commerces/epicerie/miel/", HTTP_ACCEPT_LANGUAGE="en"))

    assert '<html lang="en">' in html
    assert "Add to cart" in html and "€19.00" in html


def test_the_layout_s_kept_header_and_footer_follow_each_visitor_s_language(client, shops):
    french, english, french_again = (
        page(client.get("/villes/bourg/", HTTP_ACCEPT_LANGUAGE=language))
        for language in ("fr", "en", "fr")
    )

    assert "Aller au contenu" in french and "Où va l’argent" in french
    assert "Skip to content" in english and "Where the money goes" in english
    assert "Aller au contenu" not in english and "Skip to content" not in french_again
    assert french_again.count("Où va l’argent") == 1


def test_an_unpublished_product_is_not_shown_nor_found(client, shops):
    product_publish(user=None, product_id=shops.honey_small.product_id, published=False)

    assert client.get("/villes/bourg/commerces/epicerie/miel/").status_code == 404
    shop_html = page(client.get("/villes/bourg/commerces/epicerie/"))
    search_html = page(client.get("/villes/bourg/recherche/", {"q": "miel"}))
    home_html = page(client.get("/villes/bourg/"))

    assert "Miel de châtaignier" not in shop_html
    assert "Miel de châtaignier" not in search_html
    assert "?category=epicerie" not in home_html  # its only product is hidden
    assert "?category=pain" in home_html
