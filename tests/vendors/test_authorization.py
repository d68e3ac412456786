"""Every merchant mutation × every kind of user: only the right people change shop A.

Rules: catalogue and stock → any member of the shop; profile, invitations, ownership → its owners;
removing someone else → owners. Association staff read private data but change no catalogue.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from tests.factories import ProductFactory, UserFactory, VariantFactory
from tests.vendors.conftest import gid, upload
from vendors.models import (
    FulfilmentMethod,
    Product,
    Stock,
    StockMovement,
    Variant,
    Vendor,
    VendorInvitation,
    VendorMember,
    VendorRole,
    VendorStatus,
)

ACTORS = ["anonymous", "customer", "staff_a", "owner_b", "town_staff", "owner_a"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="PNG")
    return out.getvalue()


def _targets(world: Any) -> dict[str, Any]:
    product = ProductFactory(vendor=world.shop_a, name="Tomme")
    variant = VariantFactory(product=product, sku="TOMME", stock=5)
    other = UserFactory(email="staff2@example.org")
    staff2 = VendorMember.objects.create(vendor=world.shop_a, user=other, role=VendorRole.STAFF)
    staff_a = VendorMember.objects.get(vendor=world.shop_a, user=world.staff_a)
    return {
        "vendor": gid("Vendor", world.shop_a.pk),
        "product": gid("Product", product.pk),
        "variant": gid("Variant", variant.pk),
        "staff2": gid("VendorMember", staff2.pk),
        "staff_a": gid("VendorMember", staff_a.pk),
    }


MEMBERS = {"staff_a", "owner_a"}
OWNERS = {"owner_a"}

# name → (query, variables(t), who may, upload?)
CASES: dict[str, tuple[str, Any, set[str], bool]] = {
    "vendorUpdate": (
        'mutation($id: ID!) { vendorUpdate(id: $id, input: {name: "Pirate"}) { errors { code } } }',
        lambda t: {"id": t["vendor"]},
        OWNERS,
        False,
    ),
    "vendorMemberInvite": (
        'mutation($v: ID!) { vendorMemberInvite(vendor: $v, email: "x@example.org") { errors { code } } }',
        lambda t: {"v": t["vendor"]},
        OWNERS,
        False,
    ),
    "vendorMemberRemove": (
        "mutation($id: ID!) { vendorMemberRemove(id: $id) { errors { code } } }",
        lambda t: {"id": t["staff2"]},
        OWNERS,
        False,
    ),
    "vendorOwnershipTransfer": (
        "mutation($v: ID!, $m: ID!) { vendorOwnershipTransfer(vendor: $v, member: $m) { errors { code } } }",
        lambda t: {"v": t["vendor"], "m": t["staff_a"]},
        OWNERS,
        False,
    ),
    "productCreate": (
        """mutation($v: ID!) { productCreate(input: {vendor: $v, name: "Pirate", category: "fromages",
           variants: [{sku: "P", price: "1"}]}) { errors { code } } }""",
        lambda t: {"v": t["vendor"]},
        MEMBERS,
        False,
    ),
    "productUpdate": (
        'mutation($id: ID!) { productUpdate(id: $id, input: {name: "Pirate"}) { errors { code } } }',
        lambda t: {"id": t["product"]},
        MEMBERS,
        False,
    ),
    "productDelete": (
        "mutation($id: ID!) { productDelete(id: $id) { errors { code } } }",
        lambda t: {"id": t["product"]},
        MEMBERS,
        False,
    ),
    "stockUpdate": (
        "mutation($v: ID!) { stockUpdate(variant: $v, quantity: 1) { errors { code } } }",
        lambda t: {"v": t["variant"]},
        MEMBERS,
        False,
    ),
    "stockAdjust": (
        "mutation($v: ID!) { stockAdjust(variant: $v, delta: 1, reason: RECEIVED) { errors { code } } }",
        lambda t: {"v": t["variant"]},
        MEMBERS,
        False,
    ),
    "productImageUpload": (
        "mutation($p: ID!, $file: Upload!) { productImageUpload(product: $p, file: $file) { errors { code } } }",
        lambda t: {"p": t["product"]},
        MEMBERS,
        True,
    ),
    "catalogImport": (
        "mutation($v: ID!, $file: Upload!) { catalogImport(vendor: $v, file: $file) { errors { code } } }",
        lambda t: {"v": t["vendor"]},
        MEMBERS,
        True,
    ),
}


def _snapshot(world: Any) -> Any:
    vendor = Vendor.objects.get(pk=world.shop_a.pk)
    return (
        (vendor.name, vendor.slug, vendor.status),
        sorted(VendorMember.objects.filter(vendor=vendor).values_list("user_id", "role")),
        sorted(VendorInvitation.objects.values_list("email", flat=True)),
        sorted(Product.objects.filter(vendor=vendor).values_list("name", "image")),
        sorted(Variant.objects.filter(vendor=vendor).values_list("sku", "price")),
        sorted(Stock.objects.filter(variant__vendor=vendor).values_list("quantity", flat=True)),
        StockMovement.objects.count(),
        sorted(FulfilmentMethod.objects.filter(vendor=vendor).values_list("method", "fee")),
    )


def _login(gql: Any, world: Any, actor: str) -> Any:
    return gql.logout() if actor == "anonymous" else gql.login(getattr(world, actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("mutation", list(CASES))
def test_mutation_matrix(gql, world, settings, tmp_path, mutation, actor):
    settings.MEDIA_ROOT = tmp_path
    query, variables, allowed, is_upload = CASES[mutation]
    targets = _targets(world)
    before = _snapshot(world)
    client = _login(gql, world, actor)
    if is_upload:
        content = (
            _png()
            if mutation == "productImageUpload"
            else b"product,description,category,sku,variant_name,price,stock\nP,,fromages,P,,1,1\n"
        )
        data = upload(
            client, query, variables(targets), file_variable="file", name="f", content=content
        )
    else:
        data = client.execute(query, variables(targets))
    errors = data[mutation]["errors"]
    if actor in allowed:
        assert errors == []
        assert _snapshot(world) != before
    else:
        assert errors == [{"code": "PERMISSION_DENIED"}]
        assert _snapshot(world) == before


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
