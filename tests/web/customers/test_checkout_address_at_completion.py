"""The web checkout when the completion, not the contact step, finds a delivering shop without an
address (its delivery chosen in another tab meanwhile): the error is told beside the address field,
which the page then shows, and nothing is ordered."""

from typing import Any

import pytest

from marketplace.checkout.contact import checkout_contact_update
from marketplace.checkout.delivery import checkout_delivery_method_update
from marketplace.checkout.models import Checkout
from marketplace.orders.models import Order
from marketplace.storefront import cart_views
from vendors.models import Stock

pytestmark = pytest.mark.django_db

CONTACT = {"customer_name": "Camille Martin", "email": "camille@example.org"}


@pytest.fixture
def delivery_chosen_meanwhile(monkeypatch: Any, shops: Any) -> None:
    """Right after the contact step is saved (the grocer's default was pickup, so no address was
    asked), another tab chooses the grocer's local delivery."""

    def contact_then_other_tab(**kwargs: Any) -> Checkout:
        checkout = checkout_contact_update(**kwargs)
        checkout_delivery_method_update(
            checkout_id=checkout.pk,
            user=kwargs["user"],
            vendor_id=shops.grocer.pk,
            method="local_delivery",
        )
        return checkout

    monkeypatch.setattr(cart_views, "checkout_contact_update", contact_then_other_tab)


def test_an_address_missing_at_completion_is_told_beside_the_address_field(
    client, shops, delivery_chosen_meanwhile
):
    # given a cart of the grocer, pickup by default: the checkout asks no address
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.honey_small.pk, "quantity": 2})
    assert 'name="delivery_address"' not in client.get("/villes/bourg/commande/").content.decode()

    # when the order is sent while another tab chose the delivery
    response = client.post("/villes/bourg/commande/", CONTACT)

    # then the page answers, in French, beside the address field it now shows
    assert response.status_code == 200
    html = response.content.decode()
    message = "Un commerce vous livre\u00a0: indiquez l’adresse de livraison."
    field = html.split('<label for="id_delivery_address">')[1].split("</div>\n")[1]
    assert message in field
    assert f'<a href="#id_delivery_address">Adresse de livraison\u00a0: {message}</a>' in html
    assert 'aria-describedby="id_delivery_address_helptext id_delivery_address_error"' in html
    assert "Livraison locale" in html  # the summary shows the delivery now chosen
    # and nothing is ordered nor allocated; the contact given is kept
    assert Order.objects.count() == 0
    assert Stock.objects.get(variant=shops.honey_small).quantity_allocated == 0
    assert Checkout.objects.get().customer_name == "Camille Martin"


def test_with_the_address_given_the_delivered_order_is_placed(client, shops):
    # given the grocer's delivery chosen, the contact step asks the address; given, it is kept
    client.post("/villes/bourg/panier/ajouter/", {"variant": shops.honey_small.pk, "quantity": 2})
    client.post(f"/villes/bourg/panier/livraison/{shops.grocer.pk}/", {"method": "local_delivery"})
    response = client.post(
        "/villes/bourg/commande/", {**CONTACT, "delivery_address": "3 rue des Abeilles"}
    )
    assert response.status_code == 302
    assert Order.objects.get().delivery_address == "3 rue des Abeilles"
    assert Stock.objects.get(variant=shops.honey_small).quantity_allocated == 2
