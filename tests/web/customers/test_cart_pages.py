"""The cart and the checkout with the Django test client: the same checkout services as the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from marketplace.checkout.models import Checkout, CheckoutLine, Reservation
from marketplace.governance.models import TownSettings
from marketplace.orders.lifecycle import shop_order_accept
from marketplace.orders.models import Order, OrderStatus, ShopOrder
from payments.refunds import refund_undo, shop_order_refund
from tests.factories import UserFactory
from tests.payments.helpers import run_on_commit
from vendors.models import Stock
from vendors.products import product_publish

pytestmark = pytest.mark.django_db


def add(client, variant, quantity=1, town="bourg"):
    return client.post(
        f"/villes/{town}/panier/ajouter/", {"variant": variant.pk, "quantity": quantity}
    )


def page(response):
    return response.content.decode()


def beside_add_button(response):
    """The product page's live region by its add button; the top's messages are not there."""
    html = page(response)
    assert '<ul class="messages"></ul>' in html
    return html.split('id="add-status"')[1].split("</div>")[0]


def header_cart(response):
    """The header's cart link, as text."""
    return page(response).split('id="cart-link"')[1].split("</a>")[0]


def test_one_cart_holds_two_shops_with_subtotals_delivery_vat_and_total(client, shops):
    add(client, shops.baguette, 2)
    add(client, shops.honey_small, 1)

    html = page(client.get("/villes/bourg/panier/"))

    assert Checkout.objects.count() == 1
    assert "Boulangerie Dupain" in html and "Épicerie Miel" in html
    assert "2,60\u00a0€" in html  # 2 baguettes
    assert "9,10\u00a0€" in html  # total: 2.60 + 6.50, pickup for both by default
    assert "TVA 5,50" in html
    assert "réservés pour vous jusqu’à" in html


def test_choosing_delivery_adds_the_shops_fee_to_the_total(client, shops):
    add(client, shops.honey_small, 1)

    client.post(f"/villes/bourg/panier/livraison/{shops.grocer.pk}/", {"method": "local_delivery"})

    html = page(client.get("/villes/bourg/panier/"))
    assert "11,40\u00a0€" in html  # 6.50 + 4.90


def test_a_method_the_shop_does_not_offer_is_refused_in_words(client, shops):
    add(client, shops.baguette, 1)

    response = client.post(
        f"/villes/bourg/panier/livraison/{shops.bakery.pk}/", {"method": "shipping"}, follow=True
    )

    assert "ne propose pas ce mode de remise" in page(response)


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "10001"])
def test_a_bad_quantity_is_refused_and_changes_nothing(client, shops, quantity):
    response = client.post(
        "/villes/bourg/panier/ajouter/",
        {"variant": shops.baguette.pk, "quantity": quantity},
        follow=True,
    )

    assert response.status_code == 200
    assert "Saisissez une quantité entre 1 et 50." in beside_add_button(response)
    assert CheckoutLine.objects.count() == 0


def test_more_than_the_stock_is_refused_with_the_services_message(client, shops):
    response = add(client, shops.honey_big, 3)

    assert response.status_code == 302
    assert CheckoutLine.objects.count() == 0
    html = page(client.get(response["Location"]))
    assert "Stock insuffisant\u00a0: il n’en reste que 2." in html


def test_the_quantity_inputs_and_their_messages_say_the_towns_one_limit(client, shops):
    # given the town's cap of one product per order: 50 by default, 20 here
    TownSettings.objects.create(town=shops.town, checkout_max_units_per_variant=20)

    # when a shopper asks 21 on the product page, then 21 in the cart
    product = page(client.get("/villes/bourg/commerces/boulangerie/baguette/"))
    refused = page(client.get(add(client, shops.baguette, 21)["Location"]))
    add(client, shops.baguette, 1)
    line = CheckoutLine.objects.get()
    cart = page(client.get("/villes/bourg/panier/"))
    too_many = page(
        client.post(f"/villes/bourg/panier/lignes/{line.pk}/", {"quantity": "21"}, follow=True)
    )

    # then both inputs stop at 20 and both messages say 20
    assert 'name="quantity" value="1" inputmode="numeric" min="1" max="20"' in product
    assert "Saisissez une quantité entre 1 et 20." in refused
    assert f'id="qty-{line.pk}" type="number" name="quantity" value="1" min="0" max="20"' in cart
    assert "Saisissez une quantité entre 0 et 20." in too_many
    assert CheckoutLine.objects.get().quantity == 1


def test_asking_more_than_the_stock_says_how_many_are_left(client, shops):
    Stock.objects.filter(variant=shops.baguette).update(quantity=21)

    response = add(client, shops.baguette, 30)

    html = page(client.get(response["Location"]))
    assert "Stock insuffisant\u00a0: il n’en reste que 21." in html
    assert CheckoutLine.objects.count() == 0


def test_add_to_cart_news_is_told_beside_the_add_button(client, shops):
    added = client.get(add(client, shops.baguette, 2)["Location"])
    refused = client.get(add(client, shops.honey_big, 3)["Location"])

    assert "Baguette de tradition est dans votre panier." in beside_add_button(added)
    assert "Voir le panier" in beside_add_button(added)
    assert "Stock insuffisant\u00a0: il n’en reste que 2." in beside_add_button(refused)


def test_a_refused_quantity_is_told_on_its_line_and_to_screen_readers(client, shops):
    add(client, shops.baguette, 1)
    add(client, shops.honey_small, 1)
    honey = CheckoutLine.objects.get(variant=shops.honey_small)

    response = client.post(
        f"/villes/bourg/panier/lignes/{honey.pk}/", {"quantity": "30"}, HTTP_HX_REQUEST="true"
    )

    # the page answers the post (what was typed stays), the error on the honey's line
    assert response.status_code == 200
    html = page(response)
    honey_line = html.split(f'id="qty-{honey.pk}"')[1].split("</li>")[0]
    assert 'value="30"' in honey_line and 'aria-invalid="true"' in honey_line
    assert f'aria-describedby="qty-error-{honey.pk}"' in honey_line
    assert (
        f'<p class="line-error" id="qty-error-{honey.pk}">'
        "Stock insuffisant\u00a0: il n’en reste que 5.</p>" in honey_line
    )
    assert "Stock insuffisant" not in html.split(f'id="qty-{honey.pk}"')[0].split('id="cart"')[1]
    # the live region outside the swapped cart says which line
    status = html.split('id="cart-status"')[1].split("</div>")[0]
    assert "Miel de châtaignier\u00a0: Stock insuffisant\u00a0: il n’en reste que 5." in status
    assert '<ul class="messages"></ul>' in html or 'class="messages"' not in html
    assert CheckoutLine.objects.get(pk=honey.pk).quantity == 1


def test_after_a_refused_quantity_without_javascript_the_language_and_login_come_back_to_the_cart(
    client, shops
):
    add(client, shops.honey_small, 1)
    honey = CheckoutLine.objects.get(variant=shops.honey_small)

    # a browser without JavaScript shows the answer at the form's address
    response = client.post(f"/villes/bourg/panier/lignes/{honey.pk}/", {"quantity": "30"})
    html = page(response)

    # the language switch and the login link lead back to the cart, which opens as a page
    assert '<input type="hidden" name="next" value="/villes/bourg/panier/">' in html
    assert "/compte/connexion/?next=/villes/bourg/panier/" in html
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/villes/bourg/panier/"})
    assert switched["Location"] == "/villes/bourg/panier/"
    assert client.get(switched["Location"]).status_code == 200


def test_the_checkout_of_an_empty_cart_leads_to_the_cart_which_says_once_it_is_empty(client, shops):
    response = client.get("/villes/bourg/commande/", follow=True)

    assert response.redirect_chain[-1][0] == "/villes/bourg/panier/"
    assert page(response).count("Votre panier est vide.") == 1


def test_a_product_of_another_town_cannot_go_in_this_towns_cart(client, shops):
    add(client, shops.other_town_variant, 1)

    assert CheckoutLine.objects.count() == 0


def test_another_towns_cart_is_its_own(client, shops):
    add(client, shops.baguette, 1)
    add(client, shops.other_town_variant, 1, town="ailleurs")

    assert Checkout.objects.count() == 2
    cart = page(client.get("/villes/ailleurs/panier/")).split('id="cart"')[1]
    assert "Baguette de tradition" not in cart and "Produit" in cart


def test_someone_elses_checkout_in_the_session_is_ignored(client, shops, django_user_model):
    owner = django_user_model.objects.create_user(
        email="owner@example.org", password="x-long-password-1"
    )
    theirs = Checkout.objects.create(town=shops.town, user=owner, email=owner.email)
    session = client.session
    session["carts"] = {"bourg": str(theirs.pk)}
    session.save()

    html = page(client.get("/villes/bourg/panier/"))

    assert "Votre panier est vide" in html


def test_changing_a_quantity_and_removing_a_line(client, shops):
    add(client, shops.baguette, 1)
    add(client, shops.honey_small, 1)
    line = CheckoutLine.objects.get(variant=shops.baguette)

    client.post(f"/villes/bourg/panier/lignes/{line.pk}/", {"quantity": "3"})
    assert CheckoutLine.objects.get(pk=line.pk).quantity == 3

    client.post(f"/villes/bourg/panier/lignes/{line.pk}/supprimer/")
    assert list(CheckoutLine.objects.values_list("variant_id", flat=True)) == [shops.honey_small.pk]


def test_the_headers_cart_count_tells_the_units_in_french_after_each_change(client, shops):
    # given 2 baguettes and 3 jars of honey in the cart: 5 items, not 2 lines
    add(client, shops.baguette, 2)
    add(client, shops.honey_small, 3)
    assert "5 articles" in header_cart(client.get("/villes/bourg/panier/"))
    honey = CheckoutLine.objects.get(variant=shops.honey_small)
    baguette = CheckoutLine.objects.get(variant=shops.baguette)

    # when the honey goes to 0, then a baguette less (the cart's htmx forms)
    emptied = client.post(
        f"/villes/bourg/panier/lignes/{honey.pk}/",
        {"quantity": "0"},
        follow=True,
        HTTP_HX_REQUEST="true",
    )
    one = client.post(
        f"/villes/bourg/panier/lignes/{baguette.pk}/",
        {"quantity": "1"},
        follow=True,
        HTTP_HX_REQUEST="true",
    )
    removed = client.post(
        f"/villes/bourg/panier/lignes/{baguette.pk}/supprimer/", follow=True, HTTP_HX_REQUEST="true"
    )

    # then the page each answers with says so in the header (singular for one), nothing when empty
    assert "2 articles" in header_cart(emptied)
    assert "1 article<" in header_cart(one)
    assert "article" not in header_cart(removed)


def test_a_line_that_ran_out_or_changed_price_says_so(client, shops):
    add(client, shops.honey_small, 2)
    add(client, shops.baguette, 1)
    Stock.objects.filter(variant=shops.honey_small).update(quantity=0)
    shops.baguette.price = Decimal("1.45")
    shops.baguette.save(update_fields=["price"])

    html = page(client.get("/villes/bourg/panier/"))

    assert "Épuisé depuis que vous l’avez mis dans votre panier" in html
    assert "Le prix est passé de 1,30\u00a0€ à 1,45\u00a0€." in html


def test_a_product_unpublished_since_it_was_put_in_the_cart_says_so_and_cannot_be_ordered(
    client, shops
):
    add(client, shops.honey_small, 1)
    add(client, shops.baguette, 1)
    product_publish(user=None, product_id=shops.honey_small.product_id, published=False)

    html = page(client.get("/villes/bourg/panier/"))
    again = add(client, shops.honey_small, 1)

    assert "Plus en vente\u00a0: retirez-le pour commander." in html
    assert "Certains articles ne sont plus disponibles" in html
    assert CheckoutLine.objects.get(variant=shops.honey_small).quantity == 1
    assert again.status_code in (302, 400)


def test_a_guest_orders_from_two_shops_and_follows_the_order_with_its_token(client, shops):
    add(client, shops.baguette, 2)
    add(client, shops.honey_small, 1)
    client.post(f"/villes/bourg/panier/livraison/{shops.grocer.pk}/", {"method": "local_delivery"})

    response = client.post(
        "/villes/bourg/commande/",
        {
            "customer_name": "Camille Martin",
            "email": "camille@example.org",
            "phone": "06 12 34 56 78",
            "delivery_address": "3 rue des Abeilles\n01090 Montmerle",
        },
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/commandes/{order.token}/"
    assert order.status == OrderStatus.PAID and order.total == Decimal("14.00")
    assert order.phone == "06 12 34 56 78"
    assert order.delivery_address == "3 rue des Abeilles\n01090 Montmerle"
    assert order.customer_name == "Camille Martin"
    html = page(client.get(response["Location"]))
    assert order.number in html
    assert "Boulangerie Dupain" in html and "Épicerie Miel" in html
    assert "Livraison locale" in html and "Retrait sur place\u00a0: " in html
    assert "3 rue des Abeilles<br>01090 Montmerle" in html
    assert "Votre panier est vide" in page(client.get("/villes/bourg/panier/"))


@pytest.mark.parametrize(
    ("name", "told"),
    [
        ("   ", "Indiquez votre nom\u00a0: les commerces vous remettent la commande à ce nom."),
        ("C" * 151, "Le nom dépasse 150 caractères."),
    ],
)
def test_an_order_needs_the_name_it_is_handed_over_under(client, shops, name, told):
    add(client, shops.baguette, 1)

    response = client.post(
        "/villes/bourg/commande/", {"customer_name": name, "email": "camille@example.org"}
    )

    assert response.context["form"].errors["customer_name"] == [told]
    assert Order.objects.count() == 0


def test_an_account_holders_name_is_offered_and_spaces_are_tidied(client, shops):
    client.force_login(UserFactory(email="lea@example.org", first_name="Léa", last_name="Roux"))
    add(client, shops.baguette, 1)

    offered = page(client.get("/villes/bourg/commande/"))
    client.post(
        "/villes/bourg/commande/",
        {"customer_name": "  Léa   Roux ", "email": "lea@example.org"},
    )

    assert 'name="customer_name" value="Léa Roux"' in offered
    assert Order.objects.get().customer_name == "Léa Roux"


def test_the_order_page_tells_the_guest_of_each_refund_and_of_one_that_failed(client, shops):
    # given a guest's order from two shops: 1.00 refunded on the bakery's part; the grocer's
    # part refunded in full, then the refund failing at the provider (the card expired)
    add(client, shops.baguette, 2)
    add(client, shops.honey_small, 1)
    client.post(
        "/villes/bourg/commande/",
        {"customer_name": "Camille Martin", "email": "camille@example.org"},
    )
    order = Order.objects.get()
    bakery, grocer = ShopOrder.objects.filter(order=order).order_by("pk")
    with run_on_commit():
        shop_order_refund(shop_order_id=bakery.pk, amount=Decimal("1.00"), reason="Pain rassis")
        failing = shop_order_refund(shop_order_id=grocer.pk, amount=grocer.total)
    with run_on_commit():
        assert refund_undo(refund_id=failing.pk, reason="provider: refund failed")

    # when the guest opens the order's page
    html = page(client.get(f"/commandes/{order.token}/"))

    # then each part says what was refunded: the bakery's 1.00 made, with its reason; the
    # grocer's not made, its part cancelled (not "refunded")
    bakery_card, grocer_card = html.split('<li class="card shop-order">')[1:]
    assert "1,00\u00a0€</span>, effectué\u00a0: de retour sur votre carte" in bakery_card
    assert "Pain rassis" in bakery_card
    assert "6,50\u00a0€</span>, <strong>non effectué</strong>\u00a0: le commerce ou" in grocer_card
    assert "Annulée" in grocer_card and "Remboursée" not in grocer_card


def test_a_guest_cancels_one_shops_order_until_that_shop_accepts_it_and_is_refunded(client, shops):
    # given a guest's paid order from two shops, the bakery having accepted its part
    add(client, shops.baguette, 2)
    add(client, shops.honey_small, 1)
    client.post(
        "/villes/bourg/commande/",
        {"customer_name": "Camille Martin", "email": "camille@example.org"},
    )
    order = Order.objects.get()
    bakery, grocer = ShopOrder.objects.filter(order=order).order_by("pk")
    shop_order_accept(shop_order_id=bakery.pk)

    # then the page offers to cancel only the grocer's part
    html = page(client.get(f"/commandes/{order.token}/"))
    bakery_card, grocer_card = html.split('<li class="card shop-order">')[1:]
    assert "Annuler ma commande chez ce commerce" not in bakery_card
    assert f"/commandes/{order.token}/commerces/{grocer.pk}/annuler/" in grocer_card

    # when the guest cancels it, saying why
    with run_on_commit():
        response = client.post(
            f"/commandes/{order.token}/commerces/{grocer.pk}/annuler/",
            {"reason": "Commandé par erreur"},
            follow=True,
        )

    # then it is cancelled with the reason, its honey back on the shelf, refunded in full
    assert response.redirect_chain[-1][0] == f"/commandes/{order.token}/"
    assert "Votre commande chez Épicerie Miel est annulée" in page(response)
    grocer.refresh_from_db()
    assert (grocer.status, grocer.status_reason) == ("cancelled", "Commandé par erreur")
    assert "Motif\u00a0: Commandé par erreur" in page(response)
    assert grocer.refunded_amount == grocer.total
    assert Stock.objects.get(variant=shops.honey_small).quantity_allocated == 0
    html = page(client.get(f"/commandes/{order.token}/"))
    assert "6,50\u00a0€</span>, effectué" in html.split('<li class="card shop-order">')[2]

    # and the accepted part cannot be cancelled by the customer: told, nothing changes
    response = client.post(f"/commandes/{order.token}/commerces/{bakery.pk}/annuler/", follow=True)
    assert "Le commerce a déjà accepté cette commande" in page(response)
    bakery.refresh_from_db()
    assert bakery.status == "accepted"


def test_only_the_orders_guest_or_account_may_cancel_one_of_its_shop_orders(client, shops):
    # given a customer's order, and a guest's order
    add(client, shops.baguette, 1)
    client.post(
        "/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": "guest@example.org"}
    )
    guests = Order.objects.get()
    owner = UserFactory(email="lea@example.org")
    other = Client()
    other.force_login(owner)
    add(other, shops.baguette, 1)
    other.post("/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": owner.email})
    leas = Order.objects.exclude(pk=guests.pk).get()
    leas_part = ShopOrder.objects.get(order=leas)
    guests_part = ShopOrder.objects.get(order=guests)

    # when someone else (the guest, with their own token, or anyone with Léa's) tries
    for attempt in (
        client.post(f"/commandes/{leas.token}/commerces/{leas_part.pk}/annuler/"),
        client.post(f"/commandes/{guests.token}/commerces/{leas_part.pk}/annuler/"),
        client.get(f"/commandes/{guests.token}/commerces/{guests_part.pk}/annuler/"),
    ):
        # then not found (or not allowed), nothing cancelled
        assert attempt.status_code in (404, 405)
    assert set(ShopOrder.objects.values_list("status", flat=True)) == {"paid"}

    # and Léa cancels hers from her account, and comes back to it
    response = other.post(f"/commandes/{leas.token}/commerces/{leas_part.pk}/annuler/")
    assert response["Location"] == f"/compte/commandes/{leas.number}/"
    leas_part.refresh_from_db()
    assert leas_part.status == "cancelled"


def test_a_guest_without_email_is_told_and_nothing_is_ordered(client, shops):
    add(client, shops.baguette, 1)

    html = page(
        client.post(
            "/villes/bourg/commande/", {"customer_name": "Camille Martin", "email": "pas-un-email"}
        )
    )

    assert "Saisissez une adresse e-mail valide" in html
    assert Order.objects.count() == 0


def test_the_checkout_refuses_when_stock_ran_out_meanwhile(client, shops):
    add(client, shops.honey_big, 2)
    Stock.objects.filter(variant=shops.honey_big).update(quantity=1)

    html = page(
        client.post(
            "/villes/bourg/commande/",
            {"customer_name": "Camille Martin", "email": "camille@example.org"},
        )
    )

    assert "Stock insuffisant" in html
    assert Order.objects.count() == 0


def test_an_unknown_order_token_is_a_404_and_an_empty_cart_redirects(client, shops):
    assert client.get("/commandes/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/villes/bourg/commande/").status_code == 302
    assert client.post("/villes/bourg/panier/lignes/1/", {"quantity": "1"}).status_code == 404


def test_with_stripe_the_guest_pays_on_a_page_that_alone_allows_stripes_script(
    client, shops, stripe
):
    add(client, shops.baguette, 1)

    response = client.post(
        "/villes/bourg/commande/",
        {"customer_name": "Camille Martin", "email": "camille@example.org"},
    )

    order = Order.objects.get()
    assert order.status == OrderStatus.UNPAID
    assert response["Location"] == f"/commandes/{order.token}/paiement/"
    pay = client.get(response["Location"])
    assert "https://js.stripe.com" in pay["Content-Security-Policy"]
    assert 'data-secret="' in page(pay) and "https://js.stripe.com/v3/" in page(pay)
    assert "stripe" not in client.get(f"/commandes/{order.token}/")["Content-Security-Policy"]


def test_a_guest_cancels_an_unpaid_order_with_its_token(client, shops, stripe):
    add(client, shops.baguette, 1)
    client.post(
        "/villes/bourg/commande/",
        {"customer_name": "Camille Martin", "email": "camille@example.org"},
    )
    order = Order.objects.get()
    assert order.status == OrderStatus.UNPAID

    response = client.post(f"/commandes/{order.token}/annuler/", follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert "est annulée" in page(response)
    # (the reason the system kept, in words)
    assert "Motif\u00a0: annulée par le client" in page(response)


def test_a_delivering_shop_needs_an_address_and_a_bad_phone_is_refused(client, shops):
    add(client, shops.honey_small, 1)
    client.post(f"/villes/bourg/panier/livraison/{shops.grocer.pk}/", {"method": "local_delivery"})
    assert 'name="delivery_address"' in page(client.get("/villes/bourg/commande/"))

    no_address = page(
        client.post(
            "/villes/bourg/commande/",
            {"customer_name": "Camille Martin", "email": "camille@example.org"},
        )
    )
    bad_phone = page(
        client.post(
            "/villes/bourg/commande/",
            {
                "customer_name": "Camille Martin",
                "email": "camille@example.org",
                "phone": "appelez-moi",
                "delivery_address": "Ici",
            },
        )
    )

    assert "Un commerce vous livre\u00a0: indiquez l’adresse de livraison." in no_address
    assert "Saisissez un numéro de téléphone" in bad_phone
    assert Order.objects.count() == 0


def test_the_checkout_tells_every_error_at_once_with_a_summary_linking_to_each_field(client, shops):
    # given a cart whose grocer delivers
    add(client, shops.honey_small, 1)
    client.post(f"/villes/bourg/panier/livraison/{shops.grocer.pk}/", {"method": "local_delivery"})

    # when the form is sent empty, then with a bad email and phone "abc"
    empty = page(
        client.post(
            "/villes/bourg/commande/",
            {
                "customer_name": "Camille Martin",
            },
        )
    )
    bad = page(
        client.post(
            "/villes/bourg/commande/",
            {"customer_name": "Camille Martin", "email": "pas-un-email", "phone": "abc"},
        )
    )

    # then each answer lists all its errors, in a summary at the top of the form, with links
    summary = empty.split('id="error-summary"')[1].split("</div>")[0]
    assert (
        '<a href="#id_email">Adresse e-mail\u00a0: Saisissez une adresse e-mail valide.</a>'
        in summary
    )
    assert (
        '<a href="#id_delivery_address">Adresse de livraison\u00a0: '
        "Un commerce vous livre\u00a0: indiquez l’adresse de livraison.</a>" in summary
    )
    assert 'aria-describedby="id_delivery_address_helptext id_delivery_address_error"' in empty
    bad_summary = bad.split('id="error-summary"')[1].split("</div>")[0]
    assert "Saisissez une adresse e-mail valide." in bad_summary
    assert "Saisissez un numéro de téléphone (chiffres, espaces, +)." in bad_summary
    assert "indiquez l’adresse de livraison" in bad_summary
    assert 'id="id_phone_error"' in bad and 'id="id_email_error"' in bad
    # and nothing is kept nor ordered
    assert Order.objects.count() == 0
    assert Checkout.objects.get().email == ""


def test_with_pickup_only_no_address_is_asked_nor_kept(client, shops):
    add(client, shops.baguette, 1)
    assert 'name="delivery_address"' not in page(client.get("/villes/bourg/commande/"))

    client.post(
        "/villes/bourg/commande/",
        {
            "customer_name": "Camille Martin",
            "email": "camille@example.org",
            "delivery_address": "Ici",
        },
    )

    assert Order.objects.get().delivery_address == ""


def test_the_order_email_links_to_the_tracking_page(
    client, shops, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://bourg.example"
    add(client, shops.baguette, 1)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/villes/bourg/commande/",
            {"customer_name": "Camille Martin", "email": "camille@example.org"},
        )

    order = Order.objects.get()
    to_customer = [m for m in mailoutbox if m.to == ["camille@example.org"]]
    assert len(to_customer) == 1
    assert f"https://bourg.example/commandes/{order.token}/" in to_customer[0].body


def test_raising_a_quantity_above_the_stock_is_refused_and_the_line_stays(client, shops):
    add(client, shops.honey_big, 1)
    line = CheckoutLine.objects.get()

    response = client.post(
        f"/villes/bourg/panier/lignes/{line.pk}/", {"quantity": "5"}, follow=True
    )

    assert "Stock insuffisant\u00a0: il n’en reste que 2." in page(response)
    assert CheckoutLine.objects.get().quantity == 1


def test_when_the_hold_expired_the_cart_says_the_items_are_no_longer_held(client, shops):
    add(client, shops.baguette, 1)
    Reservation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    html = page(client.get("/villes/bourg/panier/"))

    assert "Vos articles ne sont plus réservés" in html


def test_a_form_posted_without_the_csrf_token_is_refused(shops):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/villes/bourg/panier/ajouter/", {"variant": shops.baguette.pk, "quantity": 1}
    )

    assert response.status_code == 403
    assert CheckoutLine.objects.count() == 0


def test_a_payment_provider_outage_is_told_and_nothing_is_lost(client, shops, stripe):
    stripe.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    add(client, shops.baguette, 1)

    response = client.post(
        "/villes/bourg/commande/",
        {"customer_name": "Camille Martin", "email": "camille@example.org"},
        follow=True,
    )

    html = page(response)
    assert "Le paiement n&#x27;a pas pu démarrer" in html
    order = Order.objects.first()
    if order is None:  # rolled back: the cart is intact, ready for another try
        assert CheckoutLine.objects.count() == 1
    else:  # kept unpaid: its page is where the buyer follows (or cancels) it
        assert response.redirect_chain[-1][0] == f"/commandes/{order.token}/"
        assert order.status == OrderStatus.UNPAID


def test_the_cart_page_of_two_shops_takes_six_queries(client, shops, django_assert_max_num_queries):
    add(client, shops.baguette, 2)
    add(client, shops.honey_small, 1)
    client.get("/villes/bourg/panier/")

    # the session, the checkout with its town, its lines, the shops' methods, free stock with
    # the hold, the town's most units of one product (the quantity inputs' max)
    with django_assert_max_num_queries(6):
        html = page(client.get("/villes/bourg/panier/"))

    assert "9,10\u00a0€" in html and "réservés pour vous jusqu’à" in html
