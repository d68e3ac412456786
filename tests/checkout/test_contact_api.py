"""checkoutContactUpdate: an API client gives the customer's name, email, phone and delivery
address through the web's service (marketplace.checkout.contact), all of them at once, on each
field at fault, changing nothing when refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from marketplace.checkout.models import Checkout, Reservation
from tests.checkout.helpers import (
    ADDRESS,
    CONTACT,
    CREATE,
    GOOD_CONTACT,
    checkout_of,
    contact,
    line,
    shop,
    town,
    variant,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READ = "query($id: ID!) { checkout(id: $id) { email customerName phone deliveryAddress } }"


def _stored(checkout: dict[str, Any]) -> tuple[str, str, str, str]:
    row = Checkout.objects.get(pk=checkout["token"])
    return (row.customer_name, row.email, row.phone, row.delivery_address)


UNTOUCHED = ("", "a@example.org", "", "")


def test_a_client_gives_the_contact_of_a_delivered_order_and_reads_it_back(gql):
    # given a checkout of a shop that delivers
    checkout, _bread = checkout_of(gql, {"local_delivery": Decimal("3.00")})
    # when the client gives the contact, with spaces to tidy
    result = contact(
        gql, checkout, customerName="  Camille   Martin ", email=" camille@example.org"
    )
    # then it is stored tidied, answered and read back
    expected = {
        "email": "camille@example.org",
        "customerName": "Camille Martin",
        "phone": "+33 6 12 34 56 78",
        "deliveryAddress": ADDRESS,
    }
    assert result["errors"] == []
    assert result["checkout"] == {"id": checkout["id"], **expected}
    assert gql.execute(READ, {"id": checkout["id"]})["checkout"] == expected
    assert _stored(checkout) == (
        "Camille Martin",
        "camille@example.org",
        "+33 6 12 34 56 78",
        ADDRESS,
    )


def test_with_pickup_only_the_address_is_not_kept_and_phone_is_optional(gql):
    checkout, _bread = checkout_of(gql)
    result = contact(gql, checkout, phone=None)
    assert result["errors"] == []
    assert result["checkout"]["deliveryAddress"] == ""
    assert _stored(checkout) == ("Camille Martin", "camille@example.org", "", "")


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"customerName": "  "}, "customerName", "REQUIRED"),
        ({"customerName": None}, "customerName", "REQUIRED"),
        ({"customerName": "x" * 151}, "customerName", "INVALID"),
        ({"email": "nope"}, "email", "INVALID"),
        ({"email": None}, "email", "INVALID"),
        ({"phone": "call me"}, "phone", "INVALID"),
        ({"deliveryAddress": ""}, "deliveryAddress", "REQUIRED"),
        ({"deliveryAddress": None}, "deliveryAddress", "REQUIRED"),
        ({"deliveryAddress": "x" * 501}, "deliveryAddress", "INVALID"),
    ],
)
def test_each_bad_field_is_refused_on_its_field_and_changes_nothing(gql, fields, field, code):
    # given a checkout of a shop that delivers
    checkout, _bread = checkout_of(gql, {"shipping": Decimal("6.00")})
    # when one field is wrong
    result = contact(gql, checkout, **fields)
    # then that field is refused with its code, and nothing changed
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert result["checkout"] is None
    assert _stored(checkout) == UNTOUCHED


def test_every_bad_field_is_told_at_once_in_french(gql):
    checkout, _bread = checkout_of(gql, {"local_delivery": Decimal("3.00")})
    response = gql.client.post(
        "/graphql/",
        {
            "query": CONTACT,
            "variables": {
                "id": checkout["id"],
                "input": {"customerName": "", "email": "nope", "phone": "?", "deliveryAddress": ""},
            },
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    errors = response.json()["data"]["checkoutContactUpdate"]["errors"]
    assert {e["field"]: (e["code"], e["message"]) for e in errors} == {
        "customerName": (
            "REQUIRED",
            "Indiquez votre nom\u00a0: les commerces vous remettent la commande à ce nom.",
        ),
        "email": ("INVALID", "Saisissez une adresse e-mail valide."),
        "phone": ("INVALID", "Saisissez un numéro de téléphone (chiffres, espaces, +)."),
        "deliveryAddress": (
            "REQUIRED",
            "Un commerce vous livre\u00a0: indiquez l’adresse de livraison.",
        ),
    }
    assert _stored(checkout) == UNTOUCHED


def test_another_users_checkout_is_refused_and_unchanged(gql):
    # given alice's checkout
    city = town()
    bread = variant(shop(city, "bakery"))
    alice = UserFactory(email="alice@example.org")
    created = gql.login(alice).execute(
        CREATE, {"input": {"town": city.slug, "lines": [line(bread, 1)]}}
    )["checkoutCreate"]["checkout"]
    # when bob, then a guest, give a contact for it
    bob = UserFactory(email="bob@example.org")
    as_bob = gql.login(bob).execute(CONTACT, {"id": created["id"], "input": GOOD_CONTACT})
    as_guest = gql.logout().execute(CONTACT, {"id": created["id"], "input": GOOD_CONTACT})
    # then both are refused and nothing changed
    for answer in (as_bob, as_guest):
        assert answer["checkoutContactUpdate"]["checkout"] is None
        assert [e["code"] for e in answer["checkoutContactUpdate"]["errors"]] == [
            "PERMISSION_DENIED"
        ]
    assert _stored(created) == ("", "alice@example.org", "", "")
    # while alice may
    mine = gql.login(alice).execute(CONTACT, {"id": created["id"], "input": GOOD_CONTACT})
    assert mine["checkoutContactUpdate"]["errors"] == []


def test_giving_the_contact_renews_the_reservations(gql):
    checkout, _bread = checkout_of(gql)
    soon = timezone.now() + timedelta(seconds=30)
    Reservation.objects.update(expires_at=soon)
    assert contact(gql, checkout)["errors"] == []
    assert Reservation.objects.get().expires_at > soon + timedelta(minutes=10)


def test_the_email_alone_is_still_set_by_checkout_email_update(gql):
    checkout, _bread = checkout_of(gql, {"local_delivery": Decimal("3.00")})
    result = gql.execute(
        'mutation($id: ID!) { checkoutEmailUpdate(id: $id, email: "b@example.org") '
        "{ checkout { email deliveryAddress } errors { field code } } }",
        {"id": checkout["id"]},
    )["checkoutEmailUpdate"]
    assert result == {"checkout": {"email": "b@example.org", "deliveryAddress": ""}, "errors": []}
