"""Who sees a shop's private data, and who may apply for a shop.

Who may run each merchant mutation is in the one authorization matrix of the API
(tests/authorization/matrix.py): catalogue and stock → any member of the shop; profile,
invitations, ownership → its owners; association staff read private data but change no catalogue.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import ProductFactory, VariantFactory
from tests.vendors.helpers import gid
from vendors.models import (
    Vendor,
    VendorInvitation,
    VendorStatus,
)


def _login(gql: Any, world: Any, actor: str) -> Any:
    return gql.logout() if actor == "anonymous" else gql.login(getattr(world, actor))


@pytest.mark.parametrize("actor", ["anonymous", "customer", "staff_a", "owner_b", "town_staff"])
def test_vendor_apply_needs_a_login_only(gql, world, actor):
    query = 'mutation { vendorApply(input: {town: "montpellier", name: "Neuve"}) { vendor { status } errors { code } } }'
    data = _login(gql, world, actor).execute(query)["vendorApply"]
    if actor == "anonymous":
        assert data == {"vendor": None, "errors": [{"code": "PERMISSION_DENIED"}]}
    else:
        assert data == {"vendor": {"status": "PENDING"}, "errors": []}


PRIVATE = """
query($town: String!, $slug: String!, $v: ID!) {
  vendor(town: $town, slug: $slug) {
    members { email role }
    invitations { email }
    stockMovements(first: 5) { totalCount }
    products { edges { node { variants { stockQuantity quantityAllocated } } } }
  }
  catalogExport(vendor: $v)
}
"""


@pytest.mark.parametrize(
    ("actor", "sees", "exports"),
    [
        ("anonymous", False, False),
        ("customer", False, False),
        ("owner_b", False, False),
        ("staff_a", True, True),
        ("town_staff", True, False),
    ],
)
def test_private_data_of_shop_a(gql, world, actor, sees, exports):
    VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="T", stock=3)
    VendorInvitation.objects.create(vendor=world.shop_a, email="inv@example.org", token="tok")
    variables = {"town": "montpellier", "slug": "fromagerie", "v": gid("Vendor", world.shop_a.pk)}
    data = _login(gql, world, actor).execute(PRIVATE, variables)
    vendor = data["vendor"]
    if sees:
        assert vendor["members"] == [
            {"email": "owner-a@example.org", "role": "OWNER"},
            {"email": "staff-a@example.org", "role": "STAFF"},
        ]
        assert vendor["invitations"] == [{"email": "inv@example.org"}]
        assert vendor["stockMovements"] == {"totalCount": 0}
        assert vendor["products"]["edges"][0]["node"]["variants"] == [
            {"stockQuantity": 3, "quantityAllocated": 0}
        ]
    else:
        assert (vendor["members"], vendor["invitations"], vendor["stockMovements"]) == (
            None,
            None,
            None,
        )
        assert vendor["products"]["edges"][0]["node"]["variants"] == [
            {"stockQuantity": None, "quantityAllocated": None}
        ]
    assert (data["catalogExport"] is not None) == exports


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        ("anonymous", False),
        ("customer", False),
        ("owner_b", False),
        ("staff_a", True),
        ("town_staff", True),
    ],
)
def test_a_pending_shop_is_seen_only_by_its_members_and_the_town_staff(gql, world, actor, sees):
    Vendor.objects.filter(pk=world.shop_a.pk).update(status=VendorStatus.PENDING)
    product = ProductFactory(vendor=world.shop_a)
    query = """query($id: ID!, $p: ID!) {
      vendor(town: "montpellier", slug: "fromagerie") { slug }
      node(id: $id) { id }
      product(id: $p) { name }
    }"""
    data = _login(gql, world, actor).execute(
        query, {"id": gid("Vendor", world.shop_a.pk), "p": gid("Product", product.pk)}
    )
    assert (data["vendor"] is not None, data["node"] is not None, data["product"] is not None) == (
        sees,
        sees,
        sees,
    )


def test_my_vendors_lists_the_users_shops(gql, world):
    Vendor.objects.filter(pk=world.shop_a.pk).update(status=VendorStatus.PENDING)
    query = "{ myVendors { slug status myRole } }"
    assert gql.login(world.staff_a).execute(query) == {
        "myVendors": [{"slug": "fromagerie", "status": "PENDING", "myRole": "STAFF"}]
    }
    assert gql.login(world.customer).execute(query) == {"myVendors": []}
    assert gql.logout().execute(query) == {"myVendors": []}
