"""Item 9 of issue #15: a text longer than its column is a coded error on its field, never a
database error (which would reach the client as a generic internal error)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marketplace.towns.models import TownStaffRole
from tests.checkout.helpers import COMPLETE, CREATE, EMAIL, LINES_ADD, line, variant
from tests.factories import (
    CategoryFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VendorFactory,
    VendorMemberFactory,
)
from vendors.models import VendorRole

pytestmark = pytest.mark.django_db

LONG = "x" * 100_000


@pytest.fixture
def world(settings):
    settings.PAYMENT_GATEWAY = "dummy"
    town = TownFactory(slug="longue")
    shop = VendorFactory(town=town, slug="boutique", methods={"pickup": Decimal("0")})
    owner = UserFactory(email="owner@example.org")
    VendorMemberFactory(vendor=shop, user=owner, role=VendorRole.OWNER)
    admin = UserFactory(email="admin@example.org")
    TownStaffFactory(town=town, user=admin, role=TownStaffRole.ADMIN)
    CategoryFactory(slug="pains")
    return {"town": town, "shop": shop, "owner": owner, "admin": admin, "item": variant(shop)}


def _shop_order(gql, world):
    checkout = gql.logout().execute(CREATE, {"input": {"town": "longue"}})["checkoutCreate"]
    checkout_id = checkout["checkout"]["id"]
    gql.execute(LINES_ADD, {"id": checkout_id, "lines": [line(world["item"], 1)]})
    gql.execute(EMAIL, {"id": checkout_id, "email": "guest@example.org"})
    order = gql.execute(COMPLETE, {"id": checkout_id})["checkoutComplete"]["order"]
    return order["shopOrders"][0]["id"]


CASES = {
    "vendorApply": (
        "customer",
        'mutation($t: String!) { vendorApply(input: {town: "longue", name: $t, slug: "neuve"}) '
        "{ errors { field code } } }",
    ),
    "vendorUpdate": (
        "owner",
        "mutation($id: ID!, $t: String!) { vendorUpdate(id: $id, input: {description: $t}) "
        "{ errors { field code } } }",
    ),
    "productCreate": (
        "owner",
        "mutation($id: ID!, $t: String!) { productCreate(input: {vendor: $id, name: $t, "
        'category: "pains", variants: [{sku: "S1", price: "2.00", stock: 1}]}) '
        "{ errors { field code } } }",
    ),
    "vendorSuspend": (
        "admin",
        "mutation($id: ID!, $t: String!) { vendorSuspend(id: $id, reason: $t) "
        "{ errors { field code } } }",
    ),
    "townStaffGrant": (
        "admin",
        'mutation($t: String!) { townStaffGrant(town: "longue", email: $t, role: MODERATOR) '
        "{ errors { field code } } }",
    ),
    "shopOrderRefuse": (
        "owner",
        "mutation($so: ID!, $t: String!) { shopOrderRefuse(id: $so, reason: $t) "
        "{ errors { field code } } }",
    ),
}


@pytest.mark.parametrize("mutation", sorted(CASES))
def test_a_text_beyond_its_column_is_a_field_error(gql, world, mutation):
    role, document = CASES[mutation]
    variables = {"t": LONG, "id": to_global_id("Vendor", world["shop"].pk)}
    if "$so" in document:
        variables["so"] = _shop_order(gql, world)
    user = UserFactory(email="customer@example.org") if role == "customer" else world[role]
    if "$id" not in document:
        variables.pop("id")

    body = gql.login(user).execute(document, variables, expect_errors=True)

    assert "errors" not in body, body["errors"]
    errors = body["data"][mutation]["errors"]
    assert errors and all(error["field"] for error in errors), errors
