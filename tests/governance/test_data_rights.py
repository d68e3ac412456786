"""Customers export and delete their data; shops export theirs (members only)."""

import json
from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from marketplace.accounts.data_rights import ANONYMISED_EMAIL
from marketplace.accounts.models import User
from marketplace.orders.models import Order, OrderLine
from payments.ledger import ledger_record
from payments.models import LedgerEntry
from tests.factories import (
    PASSWORD,
    ProductFactory,
    ShopOrderFactory,
    TownStaffFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)

pytestmark = pytest.mark.django_db

EXPORT = "mutation { accountDataExport { data errors { code } } }"
DELETE = """mutation($password: String!) { accountDelete(password: $password) {
  deleted anonymisedOrders errors { field code } } }"""
VENDOR_EXPORT = "query($id: ID!) { vendorDataExport(id: $id) }"


@pytest.fixture
def buyer(town):
    user = UserFactory(email="camille@example.org", first_name="Camille", last_name="Petit")
    shop = VendorFactory(town=town, name="Le Fournil")
    shop_order = ShopOrderFactory(
        order__town=town,
        order__user=user,
        order__email=user.email,
        order__customer_name="Camille Petit",
        order__number="MP-0001",
        vendor=shop,
        subtotal=Decimal("6.40"),
        commission=Decimal("0.32"),
    )
    OrderLine.objects.create(
        shop_order=shop_order,
        product_name="Pain",
        sku="PAIN",
        quantity=2,
        category_slug="boulangerie",
        unit_price=Decimal("3.20"),
        total=Decimal("6.40"),
        vat_rate=Decimal("5.50"),
        vat_amount=Decimal("0.33"),
    )
    ledger_record(
        key="mp1:charge",
        kind="charge",
        amount=Decimal("6.40"),
        currency="EUR",
        town_id=town.pk,
        order_id=shop_order.order_id,
        shop_order_id=shop_order.pk,
        vendor_id=shop.pk,
    )
    # A guest order under the same email: not provably the account's, so neither exported nor
    # anonymised.
    ShopOrderFactory(order__town=town, order__email="Camille@Example.org", order__number="MP-0000")
    return user


def test_a_customer_exports_all_their_data(gql, buyer):
    result = gql.login(buyer).execute(EXPORT)["accountDataExport"]

    assert result["errors"] == []
    data = json.loads(result["data"])
    assert data["profile"]["email"] == "camille@example.org"
    assert data["profile"]["last_name"] == "Petit"
    assert [order["number"] for order in data["orders"]] == ["MP-0001"]
    mine = next(order for order in data["orders"] if order["number"] == "MP-0001")
    assert mine["customer_name"] == "Camille Petit"
    assert mine["shop_orders"][0]["shop"] == "Le Fournil"
    assert mine["shop_orders"][0]["lines"] == [
        {
            "product": "Pain",
            "variant": "",
            "sku": "PAIN",
            "quantity": 2,
            "unit_price": "3.20",
            "total": "6.40",
            "vat_rate": "5.50",
        }
    ]


def test_an_anonymous_visitor_has_nothing_to_export(gql, town):
    result = gql.execute(EXPORT)["accountDataExport"]

    assert result == {"data": None, "errors": [{"code": "PERMISSION_DENIED"}]}


def test_a_wrong_password_deletes_nothing(gql, buyer):
    result = gql.login(buyer).execute(DELETE, {"password": "wrong"})["accountDelete"]

    assert result == {
        "deleted": False,
        "anonymisedOrders": 0,
        "errors": [{"field": "password", "code": "INVALID_CREDENTIALS"}],
    }
    assert User.objects.filter(pk=buyer.pk).exists()
    assert Order.objects.filter(email=ANONYMISED_EMAIL).count() == 0


def test_deleting_an_account_anonymises_its_orders_and_keeps_the_ledger(gql, buyer):
    buyer_id = buyer.pk

    result = gql.login(buyer).execute(DELETE, {"password": PASSWORD})["accountDelete"]

    assert result == {"deleted": True, "anonymisedOrders": 1, "errors": []}
    assert not User.objects.filter(pk=buyer_id).exists()
    orders = Order.objects.order_by("number")
    assert [(o.number, o.email, o.customer_name, o.user_id) for o in orders] == [
        ("MP-0000", "Camille@Example.org", "", None),
        ("MP-0001", ANONYMISED_EMAIL, "", None),
    ]
    assert OrderLine.objects.get().total == Decimal("6.40")
    assert LedgerEntry.objects.get(key="mp1:charge").amount == Decimal("6.40")
    # The old token no longer identifies anyone.
    me = gql.execute("{ me { email } }")
    assert me["me"] is None


def test_a_shop_member_exports_the_shops_data(gql, town):
    owner = UserFactory(email="owner@fournil.example")
    shop = VendorFactory(town=town, slug="fournil", name="Le Fournil")
    VendorMemberFactory(vendor=shop, user=owner)
    VariantFactory(
        product=ProductFactory(vendor=shop, slug="pain", name="Pain"),
        sku="PAIN",
        price=Decimal("3.20"),
        stock=7,
    )
    ShopOrderFactory(
        order__town=town,
        vendor=shop,
        subtotal=Decimal("6.40"),
        commission=Decimal("0.32"),
        order__number="MP-0042",
    )

    data = gql.login(owner).execute(VENDOR_EXPORT, {"id": to_global_id("Vendor", shop.pk)})

    export = json.loads(data["vendorDataExport"])
    assert export["shop"]["slug"] == "fournil"
    assert export["shop"]["members"] == [{"email": "owner@fournil.example", "role": "owner"}]
    assert export["products"][0]["variants"] == [
        {
            "sku": "PAIN",
            "name": "",
            "price": "3.20",
            "vat_rate": None,
            "stock": {"quantity": 7, "allocated": 0},
        }
    ]
    assert [(o["order"], o["commission"], o["payout"]) for o in export["shop_orders"]] == [
        ("MP-0042", "0.32", "6.08")
    ]


def test_others_cannot_export_a_shops_data(gql, town, admin):
    shop = VendorFactory(town=town)
    stranger = UserFactory(email="stranger@example.org")
    variables = {"id": to_global_id("Vendor", shop.pk)}

    assert gql.login(stranger).execute(VENDOR_EXPORT, variables)["vendorDataExport"] is None
    assert gql.login(admin).execute(VENDOR_EXPORT, variables)["vendorDataExport"] is None
    assert gql.logout().execute(VENDOR_EXPORT, variables)["vendorDataExport"] is None


def test_the_only_owner_of_a_shop_must_hand_over_before_deleting(gql, town):
    owner = UserFactory(email="owner@example.org")
    VendorMemberFactory(vendor=VendorFactory(town=town), user=owner)

    result = gql.login(owner).execute(DELETE, {"password": PASSWORD})["accountDelete"]

    assert result == {
        "deleted": False,
        "anonymisedOrders": 0,
        "errors": [{"field": None, "code": "LAST_OWNER"}],
    }
    assert User.objects.filter(pk=owner.pk).exists()


def test_an_owner_with_a_co_owner_may_delete(gql, town):
    shop = VendorFactory(town=town)
    owner = UserFactory(email="owner@example.org")
    VendorMemberFactory(vendor=shop, user=owner)
    VendorMemberFactory(vendor=shop, user=UserFactory(email="other-owner@example.org"))

    result = gql.login(owner).execute(DELETE, {"password": PASSWORD})["accountDelete"]

    assert result["deleted"] is True
    assert shop.members.count() == 1


def test_the_last_administrator_of_a_town_must_name_another_before_deleting(gql, town):
    admin = UserFactory(email="admin@example.org")
    TownStaffFactory(town=town, user=admin)

    result = gql.login(admin).execute(DELETE, {"password": PASSWORD})["accountDelete"]

    assert result["errors"] == [{"field": None, "code": "LAST_ADMIN"}]
    assert User.objects.filter(pk=admin.pk).exists()
