"""The customer's account on the web: register, log in (the cart joins), orders, data, deletion."""

import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.checkout.models import Checkout, CheckoutLine
from marketplace.orders.models import Order, ShopOrder
from tests.factories import PASSWORD, UserFactory
from tests.payments.helpers import run_on_commit

pytestmark = pytest.mark.django_db


def page(response):
    return response.content.decode()


def test_register_logs_in_and_shows_the_account(client):
    response = client.post(
        "/compte/inscription/",
        {
            "email": "Nouveau@Example.org",
            "password": "une-phrase-assez-longue",
            "first_name": "Léa",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/compte/"
    assert "nouveau@example.org" in page(response)
    assert "Aucune commande" in page(response)


def test_register_refuses_a_taken_email_and_a_weak_password_in_french(client):
    UserFactory(email="pris@example.org")

    taken = page(
        client.post(
            "/compte/inscription/",
            {"email": "pris@example.org", "password": "une-phrase-assez-longue"},
        )
    )
    weak = page(
        client.post("/compte/inscription/", {"email": "neuf@example.org", "password": "123"})
    )

    assert "Un compte existe déjà avec cette adresse" in taken
    assert "mot de passe" in weak.lower() and 'class="errorlist' in weak


def test_login_joins_the_guest_cart_to_the_accounts_cart(client, shops):
    user = UserFactory(email="client@example.org")
    older = Checkout.objects.create(town=shops.town, user=user, email=user.email)
    CheckoutLine.objects.create(checkout=older, variant=shops.honey_small, quantity=1)
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 2})
    guest = Checkout.objects.get(user=None)

    response = client.post(
        "/compte/connexion/", {"username": "client@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert list(Checkout.objects.values_list("pk", "user_id")) == [(guest.pk, user.pk)]
    assert sorted(CheckoutLine.objects.values_list("variant_id", "quantity")) == sorted(
        [(shops.baguette.pk, 2), (shops.honey_small.pk, 1)]
    )
    html = page(client.get("/villes/bourg/panier/"))
    assert "Baguette de tradition" in html and "Miel de châtaignier" in html


def test_login_takes_the_email_as_written_at_registration(client):
    client.post(
        "/compte/inscription/",
        {"email": "Marie.Test@Exemple.fr", "password": "une-phrase-assez-longue"},
    )
    client.logout()

    response = client.post(
        "/compte/connexion/",
        {"username": " Marie.Test@Exemple.fr ", "password": "une-phrase-assez-longue"},
    )

    assert response.status_code == 302
    assert "marie.test@exemple.fr" in page(client.get("/compte/"))
    client.logout()
    wrong = client.post(
        "/compte/connexion/", {"username": "marie.test@exemple.fr", "password": "pas-celui-la"}
    )
    assert "Adresse e-mail ou mot de passe incorrect." in page(wrong)
    assert "sensible à la casse" not in page(wrong)


def test_failed_logins_are_limited_however_the_email_is_written(client, settings):
    settings.LOGIN_RATE_LIMIT = "2/m"
    UserFactory(email="client@example.org")
    for written in ("Client@example.org", "CLIENT@example.org"):
        assert (
            client.post("/compte/connexion/", {"username": written, "password": "faux"}).status_code
            == 200
        )

    response = client.post(
        "/compte/connexion/", {"username": "client@Example.org", "password": PASSWORD}
    )

    assert response.status_code == 429


def test_failed_logins_are_limited(client, settings):
    settings.LOGIN_RATE_LIMIT = "2/m"
    UserFactory(email="client@example.org")
    for _attempt in range(2):
        assert (
            client.post(
                "/compte/connexion/", {"username": "client@example.org", "password": "faux"}
            ).status_code
            == 200
        )

    response = client.post(
        "/compte/connexion/", {"username": "client@example.org", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "Trop de tentatives" in page(response)


def test_an_account_finds_its_orders_and_another_accounts_order_is_a_404(client, shops):
    user = UserFactory(email="client@example.org")
    client.force_login(user)
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 1})
    response = client.post(
        "/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": user.email}
    )
    order = Order.objects.get()

    assert response["Location"] == f"/commandes/{order.token}/"
    assert order.number in page(client.get("/compte/"))
    assert "Boulangerie Dupain" in page(client.get(f"/compte/commandes/{order.number}/"))
    client.force_login(UserFactory(email="autre@example.org"))
    assert client.get(f"/compte/commandes/{order.number}/").status_code == 404
    assert client.post(f"/commandes/{order.token}/annuler/").status_code == 404


def test_download_my_data_is_json_with_my_orders(client, shops):
    user = UserFactory(email="client@example.org")
    client.force_login(user)

    response = client.get("/compte/mes-donnees/")

    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["profile"]["email"] == "client@example.org"


def test_delete_my_account_needs_the_password(client):
    user = UserFactory(email="client@example.org")
    client.force_login(user)

    wrong = page(client.post("/compte/supprimer/", {"password": "faux"}))
    assert "Le mot de passe est incorrect" in wrong or 'class="errorlist' in wrong

    response = client.post("/compte/supprimer/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    UserFactory(email="client@example.org")

    client.post("/compte/mot-de-passe/", {"email": "client@example.org"})

    assert len(mail.outbox) == 1
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/compte/mot-de-passe/" in line
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "nouvelle-phrase-longue", "new_password2": "nouvelle-phrase-longue"},
    )
    assert response["Location"] == "/compte/mot-de-passe/change/"
    assert client.login(email="client@example.org", password="nouvelle-phrase-longue")


def test_account_pages_need_a_login(client):
    assert client.get("/compte/")["Location"].startswith("/compte/connexion/?next=")


def test_a_part_cancelled_and_refunded_shows_what_was_paid_in_the_end(client, shops):
    # given Léa's paid order from two shops (2,60 € + 6,50 €), and one paid from the bakery alone
    user = UserFactory(email="lea@example.org")
    client.force_login(user)
    for variant in (shops.baguette, shops.honey_small):
        client.post("/villes/bourg/panier/ajouter/", {"variant": variant.pk, "quantity": 1})
    CheckoutLine.objects.filter(variant=shops.baguette).update(quantity=2)
    client.post("/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": user.email})
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 1})
    client.post("/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": user.email})
    two_shops, bakery_only = Order.objects.order_by("pk")
    grocer = ShopOrder.objects.get(order=two_shops, vendor=shops.grocer)

    # when she cancels the grocer's part (refunded in full)
    with run_on_commit():
        client.post(f"/commandes/{two_shops.token}/commerces/{grocer.pk}/annuler/")

    # then the order's page and her list say what she paid in the end, and that a part is
    # cancelled; the other order is paid, whole
    order_page = page(client.get(f"/compte/commandes/{two_shops.number}/"))
    status = order_page.split('class="order-status"')[1].split("</span>")[0]
    assert "Payée, une partie annulée" in status
    assert "Payé 2,60\u00a0€, remboursé 6,50\u00a0€" in order_page
    assert "commande de 9,10\u00a0€" in order_page
    rows = page(client.get("/compte/")).split("<tbody>")[1].split("</tr>")
    two_row = next(row for row in rows if two_shops.number in row)
    bakery_row = next(row for row in rows if bakery_only.number in row)
    assert "Payée, une partie annulée" in two_row
    assert "Payé 2,60\u00a0€, remboursé 6,50\u00a0€" in two_row
    assert "Payée</td>" in bakery_row and "Payé 1,30\u00a0€" in bakery_row


def test_a_guests_order_wholly_cancelled_after_payment_says_so(client, shops):
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 1})
    client.post(
        "/villes/bourg/commande/",
        {"customer_name": "Camille Martin", "email": "camille@example.org"},
    )
    order = Order.objects.get()
    part = ShopOrder.objects.get(order=order)
    with run_on_commit():
        client.post(f"/commandes/{order.token}/commerces/{part.pk}/annuler/")

    html = page(client.get(f"/commandes/{order.token}/"))

    assert "Annulée après paiement" in html.split('class="order-status"')[1].split("</span>")[0]
    assert "Payé 0,00\u00a0€, remboursé 1,30\u00a0€" in html


def test_the_account_list_takes_no_query_per_order(client, shops, django_assert_max_num_queries):
    user = UserFactory(email="lea@example.org")
    client.force_login(user)
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 1})
    client.post("/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": user.email})
    client.get("/compte/")
    with CaptureQueriesContext(connection) as one:
        client.get("/compte/")
    with_one_order = len(one)  # (read now: each request empties the connection's log)
    for variant in (shops.honey_small, shops.baguette):
        client.post("/villes/bourg/panier/ajouter/", {"variant": variant.pk, "quantity": 1})
        client.post(
            "/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": user.email}
        )

    with django_assert_max_num_queries(with_one_order):
        html = page(client.get("/compte/"))

    assert html.count("Payé 1,30\u00a0€") == 2 and "Payé 6,50\u00a0€" in html
