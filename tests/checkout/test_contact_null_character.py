"""checkoutContactUpdate with a null character in the name or the address (no text field can
keep one): refused on that field in French, nothing changed, instead of an internal error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.checkout.models import Checkout
from tests.checkout.helpers import CONTACT, GOOD_CONTACT, checkout_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["customerName", "deliveryAddress"])
def test_a_null_character_is_refused_on_its_field_in_french_and_changes_nothing(gql, field):
    checkout, _bread = checkout_of(gql, {"local_delivery": Decimal("3.00")})

    response = gql.client.post(
        "/graphql/",
        {
            "query": CONTACT,
            "variables": {
                "id": checkout["id"],
                "input": {**GOOD_CONTACT, field: "Camille\u0000 Martin"},
            },
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    body = response.json()
    assert "errors" not in body
    assert body["data"]["checkoutContactUpdate"] == {
        "checkout": None,
        "errors": [
            {"field": field, "code": "INVALID", "message": "Retirez le caractère nul de ce texte."}
        ],
    }
    row = Checkout.objects.get(pk=checkout["token"])
    assert (row.customer_name, row.phone, row.delivery_address) == ("", "", "")
