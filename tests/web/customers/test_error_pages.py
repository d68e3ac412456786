"""The site's error pages (Django's handlers with our templates): French first, in the site's
layout where the request is at hand, standalone where Django renders without it (400, 500); and
robots.txt and the site's icon."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import permission_denied, server_error

from marketplace.checkout.models import Checkout

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_the_french_not_found_page_in_the_layout(client):
    response = client.get("/nulle-part/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<title>Page introuvable · " in html
    assert "<h1>Page introuvable</h1>" in html
    assert '<a href="/">Retour aux commerces des villes</a>' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html


def test_a_forms_address_opened_as_a_page_says_so_in_the_layout_and_changes_nothing(client, shops):
    # a cart line's address, from the browser's history or a reload
    response = client.get("/villes/bourg/panier/lignes/99999/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "<h1>Cette adresse est celle d’un formulaire</h1>" in html
    assert "rien n’a été modifié" in html
    assert '<a href="/">Retour aux commerces des villes</a>' in html
    assert Checkout.objects.count() == 0


def test_the_payment_providers_address_keeps_its_bare_answer(client):
    response = client.get("/payments/stripe/webhook/")
    assert response.status_code == 405
    assert response.content == b""


def test_a_missing_town_shop_or_product_answers_the_same_page(client, shops):
    for path in ("/villes/atlantis/", "/villes/bourg/commerces/boulangerie/miel/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<h1>Page introuvable</h1>" in response.content.decode()


def test_the_not_found_page_speaks_english_to_a_visitor_who_chose_it(client):
    client.cookies["django_language"] = "en"

    html = client.get("/nulle-part/").content.decode()

    assert '<html lang="en">' in html and "<h1>Page not found</h1>" in html


def test_a_request_for_an_unknown_host_answers_the_bad_request_page(client):
    response = client.get("/", HTTP_HOST="ailleurs.example.org")

    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Requête invalide</h1>" in html and '<html lang="fr">' in html


def test_the_server_error_page_renders_without_the_request_and_in_french():
    request = RequestFactory().get("/")
    with translation.override("fr"):
        response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Une erreur est survenue</h1>" in html
    assert "veuillez réessayer dans un instant" in html
    assert '<a href="/">Retour aux commerces des villes</a>' in html


def test_the_access_refused_page_is_french_in_the_layout(rf, django_user_model):
    request = rf.get("/espace/")
    request.user = django_user_model.objects.create_user(
        email="client@example.org", password="demo-password-1"
    )
    with translation.override("fr"):
        response = permission_denied(request, PermissionDenied())

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Accès refusé</h1>" in html and 'class="site-header"' in html


def test_a_form_sent_without_its_token_answers_the_expired_form_page_and_changes_nothing(
    django_user_model,
):
    django_user_model.objects.create_user(email="client@example.org", password="demo-password-1")
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/compte/connexion/", {"username": "client@example.org", "password": "demo-password-1"}
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Ce formulaire a expiré</h1>" in html and 'class="site-header"' in html
    assert "_auth_user_id" not in client.session


def test_robots_txt_lets_engines_crawl_the_public_pages_and_keeps_them_out_of_private_ones(
    client,
):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *" and lines[-1] == "Allow: /"
    for private in ("/commandes/", "/compte/", "/commercant/", "/association/", "/admin/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /villes/*/panier/" in lines


def test_every_layout_names_the_site_icon(client):
    for html in (client.get("/").content.decode(), client.get("/nulle-part/").content.decode()):
        assert '<link rel="icon" href="/static/storefront/favicon.svg' in html


def test_the_icon_is_also_where_browsers_look_without_a_page(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].startswith("/static/storefront/favicon")
    assert response["Location"].endswith(".svg")


@pytest.mark.django_db(transaction=True)
def test_a_form_postgresql_ends_in_a_deadlock_answers_the_try_again_page(
    client, shops, cart_add_deadlocked
):
    response = client.post(
        "/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 1}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "<h1>Veuillez réessayer</h1>" in html and 'class="site-header"' in html
    assert "rien n’a été enregistré" in html
    assert not Checkout.objects.exists()
