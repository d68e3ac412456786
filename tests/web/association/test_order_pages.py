"""The town's orders for its staff: found by number or email, seen whole, a shop's part refunded or
cancelled through the same services as the API; another town's orders stay out of reach."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace.checkout.complete import checkout_complete
from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.governance.models import AuditEntry
from marketplace.orders.models import Order, ShopOrder
from payments.models import Refund
from tests.checkout.helpers import shop, variant
from tests.factories import OrderFactory, UserFactory
from tests.payments.helpers import run_on_commit
from vendors.models import Stock, Vendor

pytestmark = pytest.mark.django_db


def _shop(town, slug, name):
    return Vendor.objects.filter(town=town, slug=slug).first() or shop(town, slug, name=name)


def _paid_order(town, email="camille@example.org"):
    bakery = _shop(town, "bakery", "Boulangerie Dupain")
    cheese = _shop(town, "cheese", "Fromagerie Lait")
    checkout = checkout_create(
        town_slug=town.slug,
        email=email,
        lines=[
            LineInput(variant(bakery, price="2.00", stock=5).pk, 2),
            LineInput(variant(cheese, price="12.00", stock=5).pk, 1),
        ],
        user=AnonymousUser(),
    )
    return checkout_complete(checkout_id=checkout.pk, user=AnonymousUser()).order


@pytest.fixture
def as_moderator(client, rennes_moderator, settings, eager):
    settings.PAYMENT_GATEWAY = "dummy"
    client.force_login(rennes_moderator)
    return client


def page(response):
    return response.content.decode()


def test_staff_find_their_towns_orders_by_number_or_email_and_no_other_towns(
    as_moderator, rennes, nancy
):
    # given an order in Rennes, another customer's, and one in Nancy
    order = _paid_order(rennes)
    other = _paid_order(rennes, email="lea@example.org")
    elsewhere = _paid_order(nancy)

    def links(query=None):
        html = page(as_moderator.get("/association/rennes/commandes/", query or {}))
        return [o.number for o in (order, other, elsewhere) if f'commandes/{o.number}/"' in html]

    # then the list links Rennes' orders, and Nancy's nowhere
    assert links() == [order.number, other.number]
    # a part of the number, or of the email, finds it
    assert links({"q": order.number[-5:]}) == [order.number]
    assert links({"q": "LEA@example"}) == [other.number]
    assert links({"q": elsewhere.number}) == []

    # and the order's page shows it whole; Nancy's order is not found from Rennes
    detail = page(as_moderator.get(f"/association/rennes/commandes/{order.number}/"))
    assert "camille@example.org" in detail
    assert "Boulangerie Dupain" in detail and "Fromagerie Lait" in detail
    assert "Rembourser le client" in detail and "Annuler la partie de ce commerce" in detail
    assert as_moderator.get(f"/association/rennes/commandes/{elsewhere.number}/").status_code == 404
    assert as_moderator.get(f"/association/nancy/commandes/{elsewhere.number}/").status_code == 404


def test_the_orders_list_heads_its_columns_with_nouns(as_moderator, rennes):
    _paid_order(rennes)

    html = page(as_moderator.get("/association/rennes/commandes/"))

    head = html.split("<thead>")[1].split("</thead>")[0]
    assert '<th scope="col">Commande</th>' in head and "Commander" not in head


def test_someone_not_on_the_towns_staff_cannot_see_or_touch_its_orders(client, rennes, nancy_admin):
    order = _paid_order(rennes)
    shop_order = order.shop_orders.first()
    client.force_login(UserFactory(email="curieux@example.org"))
    assert client.get(f"/association/rennes/commandes/{order.number}/").status_code == 404
    client.force_login(nancy_admin)
    refund = client.post(
        f"/association/rennes/commandes/{order.number}/{shop_order.pk}/rembourser/",
        {f"refund-{shop_order.pk}-amount": "1", f"refund-{shop_order.pk}-reason": "x"},
    )
    assert refund.status_code == 404
    assert not Refund.objects.exists()


def test_staff_refund_part_of_a_shop_order_with_a_reason(as_moderator, rennes, rennes_moderator):
    # given a paid order: the bakery's part is 4.00
    order = _paid_order(rennes)
    bakery = ShopOrder.objects.get(order=order, vendor__name="Boulangerie Dupain")
    prefix = f"refund-{bakery.pk}"

    url = f"/association/rennes/commandes/{order.number}/{bakery.pk}/rembourser/"
    asked = {f"{prefix}-amount": "1,50", f"{prefix}-reason": "Baguettes trop cuites"}

    # when the moderator asks to refund 1,50 (French decimal comma) with a reason
    preview = as_moderator.post(url, asked)

    # then they see what it means before anything is done
    assert preview.status_code == 200
    html = page(preview)
    assert "Le client récupère 1,50\u00a0€." in html
    assert "Le commerce prend en charge " in html and "Confirmer le remboursement" in html
    assert f'name="{prefix}-previewed_amount" value="1.50"' in html
    assert not Refund.objects.exists()

    # when they confirm it
    with run_on_commit():
        response = as_moderator.post(
            url, asked | {f"{prefix}-previewed_amount": "1.50", "confirm": "1"}, follow=True
        )

    # then it is refunded, asked by them, for that reason, and the page lists it
    refund = Refund.objects.get()
    assert (refund.shop_order_id, refund.amount, refund.reason) == (
        bakery.pk,
        Decimal("1.50"),
        "Baguettes trop cuites",
    )
    assert refund.requested_by == rennes_moderator and refund.status == "succeeded"
    html = page(response)
    assert "Remboursement de 1,50\u00a0€ au client demandé (Boulangerie Dupain)." in html
    html = page(as_moderator.get(f"/association/rennes/commandes/{order.number}/"))
    assert "Baguettes trop cuites" in html and "moderation@rennes.demo" in html
    # and the town's audit log (staff only) says who asked it, how much, why
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.reason, entry.after) == (
        rennes_moderator,
        "shop_order.refund",
        "Baguettes trop cuites",
        {"order": order.number, "amount": "1.50"},
    )
    log = page(as_moderator.get("/association/rennes/journal/"))
    assert "Remboursement demandé" in log
    assert f"Partie de Boulangerie Dupain dans la commande {order.number}" in log
    assert '<dd class="reason">— → 1,50\u00a0€</dd>' in log


def test_a_refund_refused_says_why_and_changes_nothing(as_moderator, rennes):
    order = _paid_order(rennes)
    bakery = ShopOrder.objects.get(order=order, vendor__name="Boulangerie Dupain")
    prefix = f"refund-{bakery.pk}"
    url = f"/association/rennes/commandes/{order.number}/{bakery.pk}/rembourser/"

    # more than what remains: the service's message, on the amount
    too_much = as_moderator.post(url, {f"{prefix}-amount": "4,01", f"{prefix}-reason": "Erreur"})
    # no reason: the form's
    no_reason = as_moderator.post(url, {f"{prefix}-amount": "1", f"{prefix}-reason": ""})

    # a shop order of another order, under this order's number: not found
    other = _paid_order(rennes, email="lea@example.org").shop_orders.first()
    mixed = as_moderator.post(
        f"/association/rennes/commandes/{order.number}/{other.pk}/rembourser/",
        {f"refund-{other.pk}-amount": "1", f"refund-{other.pk}-reason": "Erreur"},
    )

    assert mixed.status_code == 404
    assert too_much.status_code == no_reason.status_code == 400
    assert "Il reste au plus 4,00\u00a0€ à rembourser." in page(too_much)
    assert "Ce champ est obligatoire." in page(no_reason)
    assert not Refund.objects.exists()
    bakery.refresh_from_db()
    assert bakery.refunded_amount == Decimal("0.00")


def test_staff_cancel_a_shops_part_its_stock_goes_back_and_it_is_refunded(
    as_moderator, rennes, rennes_moderator
):
    # given a paid order; the cheese shop's part holds 1 unit
    order = _paid_order(rennes)
    cheese = ShopOrder.objects.get(order=order, vendor__name="Fromagerie Lait")
    stock = Stock.objects.get(variant_id=cheese.lines.get().variant_id)
    assert stock.quantity_allocated == 1

    url = f"/association/rennes/commandes/{order.number}/{cheese.pk}/annuler/"
    asked = {f"cancel-{cheese.pk}-reason": "Commerce fermé pour travaux"}

    # when the moderator asks to cancel it, with a reason
    confirmation = as_moderator.post(url, asked)

    # then they are asked to confirm, told what the customer gets back; nothing is done yet
    assert confirmation.status_code == 200
    assert "Annuler la partie de Fromagerie Lait ?" in page(confirmation)
    assert "Le client récupère 12,00\u00a0€." in page(confirmation)
    cheese.refresh_from_db()
    assert cheese.status == "paid" and not Refund.objects.exists()

    # when they confirm
    with run_on_commit():
        response = as_moderator.post(url, asked | {"confirm": "1"}, follow=True)

    # then it is cancelled with the reason, its unit back on sale, refunded in full
    assert "La partie de Fromagerie Lait est annulée" in page(response)
    cheese.refresh_from_db()
    stock.refresh_from_db()
    assert (cheese.status, cheese.status_reason) == ("cancelled", "Commerce fermé pour travaux")
    assert stock.quantity_allocated == 0
    assert cheese.refunded_amount == cheese.total
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.reason, entry.before, entry.after) == (
        "shop_order.cancel",
        "Commerce fermé pour travaux",
        {"status": "paid"},
        {"order": order.number, "status": "cancelled"},
    )
    # and the refund says who asked it and why, on the order's page and in the journal
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by, refund.reason) == (
        Decimal("12.00"),
        rennes_moderator,
        "Commerce fermé pour travaux",
    )
    html = page(as_moderator.get(f"/association/rennes/commandes/{order.number}/"))
    refunds_table = html.split('<table class="data refunds">')[1].split("</table>")[0]
    assert "Commerce fermé pour travaux" in refunds_table
    assert "moderation@rennes.demo" in refunds_table
    log = page(as_moderator.get("/association/rennes/journal/"))
    assert "Commerce fermé pour travaux" in log
    # and the page no longer offers to cancel or refund it
    cheese_part = html.split("Fromagerie Lait")[1]
    assert "Annuler la partie de ce commerce" not in cheese_part
    assert "Rembourser le client" not in cheese_part


def test_a_refund_confirmed_for_another_amount_than_previewed_is_previewed_again(
    as_moderator, rennes
):
    order = _paid_order(rennes)
    bakery = ShopOrder.objects.get(order=order, vendor__name="Boulangerie Dupain")
    prefix = f"refund-{bakery.pk}"
    url = f"/association/rennes/commandes/{order.number}/{bakery.pk}/rembourser/"

    # the moderator previewed 1,50, then changed the amount to 3 and confirmed; or forged no preview
    changed = as_moderator.post(
        url,
        {
            f"{prefix}-amount": "3",
            f"{prefix}-reason": "Erreur",
            f"{prefix}-previewed_amount": "1.50",
            "confirm": "1",
        },
    )
    unpreviewed = as_moderator.post(
        url, {f"{prefix}-amount": "3", f"{prefix}-reason": "Erreur", "confirm": "1"}
    )

    # then each shows the preview of 3,00 to confirm, and nothing is refunded
    assert changed.status_code == unpreviewed.status_code == 200
    assert "Le montant a changé : vérifiez ce qu’il implique, puis confirmez à nouveau." in page(
        changed
    )
    assert "Le client récupère 3,00\u00a0€." in page(changed)
    assert f'name="{prefix}-previewed_amount" value="3"' in page(unpreviewed)
    assert not Refund.objects.exists()


def test_a_refunds_reason_is_required_and_keeps_to_500_characters(as_moderator, rennes):
    order = _paid_order(rennes)
    bakery = ShopOrder.objects.get(order=order, vendor__name="Boulangerie Dupain")
    prefix = f"refund-{bakery.pk}"
    url = f"/association/rennes/commandes/{order.number}/{bakery.pk}/rembourser/"

    too_long = {f"{prefix}-amount": "1", f"{prefix}-reason": "a" * 600}
    preview = as_moderator.post(url, too_long)
    confirm = as_moderator.post(
        url, too_long | {f"{prefix}-previewed_amount": "1.00", "confirm": "1"}
    )

    assert preview.status_code == confirm.status_code == 400
    for response in (preview, confirm):
        assert "Le motif peut compter au plus 500 caractères (il en compte 600)." in page(response)
    assert not Refund.objects.exists()


def test_a_shops_part_is_not_cancelled_without_a_reason_nor_confirmation(as_moderator, rennes):
    order = _paid_order(rennes)
    cheese = ShopOrder.objects.get(order=order, vendor__name="Fromagerie Lait")
    prefix = f"cancel-{cheese.pk}"
    url = f"/association/rennes/commandes/{order.number}/{cheese.pk}/annuler/"

    # no reason (asked, then forced past the confirmation), a too long one
    empty = as_moderator.post(url, {f"{prefix}-reason": " "})
    forced = as_moderator.post(url, {f"{prefix}-reason": "", "confirm": "1"})
    too_long = as_moderator.post(url, {f"{prefix}-reason": "b" * 501, "confirm": "1"})

    assert empty.status_code == forced.status_code == too_long.status_code == 400
    required = "Indiquez pourquoi la partie de ce commerce est annulée"
    assert required in page(empty) and required in page(forced)
    assert "Le motif peut compter au plus 500 caractères (il en compte 501)." in page(too_long)
    cheese.refresh_from_db()
    assert cheese.status == "paid"
    assert not Refund.objects.exists() and not AuditEntry.objects.exists()


def test_staff_cancel_an_unpaid_order(as_moderator, rennes):
    order = OrderFactory(town=rennes)

    page_before = page(as_moderator.get(f"/association/rennes/commandes/{order.number}/"))
    response = as_moderator.post(
        f"/association/rennes/commandes/{order.number}/annuler/", follow=True
    )

    assert "Annuler cette commande non payée" in page_before
    assert "La commande non payée est annulée" in page(response)
    order.refresh_from_db()
    assert (order.status, Order.objects.count()) == ("cancelled", 1)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.reason) == (
        "order.cancel",
        "order",
        "cancelled_by_staff",
    )
