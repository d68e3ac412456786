"""vendorApply and vendorUpdate through the GraphQL API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.vendors.helpers import gid
from vendors.models import FulfilmentMethod, Vendor, VendorMember, VendorRole, VendorStatus

APPLY = """
mutation($input: VendorApplyInput!) {
  vendorApply(input: $input) {
    vendor { id slug name status myRole fulfilmentMethods { method fee { amount currency } } }
    errors { field code message }
  }
}
"""

UPDATE = """
mutation($id: ID!, $input: VendorProfileInput!) {
  vendorUpdate(id: $id, input: $input) {
    vendor {
      name slug description openingHours
      address { street postalCode city country }
      location { latitude longitude }
      fulfilmentMethods { method fee { amount currency } }
    }
    errors { field code message }
  }
}
"""


def test_a_logged_in_user_applies_and_gets_a_pending_shop_they_own(gql, world):
    # given a customer
    # when they apply for a shop
    data = gql.login(world.customer).execute(
        APPLY,
        {
            "input": {
                "town": "montpellier",
                "name": "La Cave du Coin",
                "slug": "cave-du-coin",
                "email": "cave@example.org",
                "fulfilmentMethods": [
                    {"method": "PICKUP"},
                    {"method": "LOCAL_DELIVERY", "fee": "4.90"},
                ],
            }
        },
    )["vendorApply"]
    # then the shop is pending, and the applicant is its owner
    assert data["errors"] == []
    assert data["vendor"]["status"] == "PENDING"
    assert data["vendor"]["myRole"] == "OWNER"
    assert data["vendor"]["fulfilmentMethods"] == [
        {"method": "LOCAL_DELIVERY", "fee": {"amount": "4.90", "currency": "EUR"}},
        {"method": "PICKUP", "fee": {"amount": "0.00", "currency": "EUR"}},
    ]
    vendor = Vendor.objects.get(slug="cave-du-coin")
    assert vendor.status == VendorStatus.PENDING
    assert list(VendorMember.objects.filter(vendor=vendor).values_list("user_id", "role")) == [
        (world.customer.pk, VendorRole.OWNER)
    ]


def test_a_pending_shop_is_hidden_from_the_public_and_from_listings(gql, world):
    # given a pending shop
    gql.login(world.customer).execute(
        APPLY, {"input": {"town": "montpellier", "name": "Cave", "slug": "cave"}}
    )
    query = '{ vendor(town: "montpellier", slug: "cave") { slug } town(slug: "montpellier") { vendors { edges { node { slug } } } } }'
    # when an anonymous visitor and its owner look for it
    public = gql.logout().execute(query)
    owner = gql.login(world.customer).execute(query)
    # then only the owner sees it, and it is never listed
    assert public["vendor"] is None
    assert owner["vendor"] == {"slug": "cave"}
    assert [e["node"]["slug"] for e in public["town"]["vendors"]["edges"]] == [
        "boulangerie",
        "fromagerie",
    ]


def test_apply_anonymous_is_refused(gql, world):
    data = gql.execute(APPLY, {"input": {"town": "montpellier", "name": "Cave"}})["vendorApply"]
    assert data["errors"][0]["code"] == "PERMISSION_DENIED"
    assert not Vendor.objects.filter(name="Cave").exists()


def test_apply_with_a_slug_taken_in_the_town_gets_a_coded_error(gql, world):
    data = gql.login(world.customer).execute(
        APPLY, {"input": {"town": "montpellier", "name": "X", "slug": "fromagerie"}}
    )["vendorApply"]
    assert data == {
        "vendor": None,
        "errors": [
            {
                "field": "slug",
                "code": "UNIQUE",
                "message": "Un autre commerce de cette ville utilise déjà cet identifiant.",
            }
        ],
    }
    assert Vendor.objects.count() == 2


def test_apply_to_an_unknown_town_gets_not_found(gql, world):
    data = gql.login(world.customer).execute(APPLY, {"input": {"town": "atlantis", "name": "X"}})[
        "vendorApply"
    ]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("town", "NOT_FOUND")]


def test_the_owner_updates_the_profile(gql, world):
    # given the owner of shop A
    # when they update the whole profile
    data = gql.login(world.owner_a).execute(
        UPDATE,
        {
            "id": gid("Vendor", world.shop_a.pk),
            "input": {
                "name": "Fromagerie Dupont",
                "slug": "fromagerie-dupont",
                "description": "Affinage maison.",
                "address": {
                    "street": "2 rue Foch",
                    "postalCode": "34000",
                    "city": "Montpellier",
                    "country": "fr",
                },
                "location": {"latitude": 43.6, "longitude": 3.87},
                "openingHours": '{"mon": null, "tue": "09:00-12:30, 15:00-19:00", "sun": ""}',
                "fulfilmentMethods": [
                    {"method": "PICKUP", "fee": "0"},
                    {"method": "SHIPPING", "fee": "7.5"},
                ],
            },
        },
    )["vendorUpdate"]
    # then everything is saved, normalised
    assert data["errors"] == []
    assert data["vendor"] == {
        "name": "Fromagerie Dupont",
        "slug": "fromagerie-dupont",
        "description": "Affinage maison.",
        "openingHours": '{"mon": null, "tue": "09:00-12:30,15:00-19:00", "wed": null, "thu": null, "fri": null, "sat": null, "sun": null}',
        "address": {
            "street": "2 rue Foch",
            "postalCode": "34000",
            "city": "Montpellier",
            "country": "FR",
        },
        "location": {"latitude": 43.6, "longitude": 3.87},
        "fulfilmentMethods": [
            {"method": "PICKUP", "fee": {"amount": "0.00", "currency": "EUR"}},
            {"method": "SHIPPING", "fee": {"amount": "7.50", "currency": "EUR"}},
        ],
    }


def _update(gql, world, payload):
    return gql.login(world.owner_a).execute(
        UPDATE, {"id": gid("Vendor", world.shop_a.pk), "input": payload}
    )["vendorUpdate"]


def _unchanged(world):
    vendor = Vendor.objects.get(pk=world.shop_a.pk)
    methods = list(FulfilmentMethod.objects.filter(vendor=vendor).values_list("method", "fee"))
    return (vendor.name, vendor.slug, vendor.opening_hours, vendor.latitude, methods)


def test_bad_profile_input_gets_coded_errors_and_changes_nothing(gql, world):
    before = _unchanged(world)
    cases = [
        ({"slug": "boulangerie"}, ("slug", "UNIQUE")),
        ({"slug": "Pas Un Slug"}, ("slug", "INVALID")),
        ({"name": "  "}, ("name", "REQUIRED")),
        ({"openingHours": '{"lundi": "09:00-12:00"}'}, ("openingHours", "INVALID_OPENING_HOURS")),
        ({"openingHours": '{"mon": "9h-12h"}'}, ("openingHours.mon", "INVALID_OPENING_HOURS")),
        ({"openingHours": '{"tue": "12:00-09:00"}'}, ("openingHours.tue", "INVALID_OPENING_HOURS")),
        (
            {"fulfilmentMethods": [{"method": "PICKUP", "fee": "1.005"}]},
            ("fulfilmentMethods.0.fee", "INVALID_PRICE"),
        ),
        (
            {"fulfilmentMethods": [{"method": "PICKUP", "fee": "-1"}]},
            ("fulfilmentMethods.0.fee", "INVALID_PRICE"),
        ),
        (
            {"fulfilmentMethods": [{"method": "PICKUP"}, {"method": "PICKUP"}]},
            ("fulfilmentMethods", "DUPLICATED_INPUT"),
        ),
        ({"fulfilmentMethods": []}, ("fulfilmentMethods", "REQUIRED")),
        ({"location": {"latitude": 91, "longitude": 3}}, ("location", "INVALID")),
        ({"email": "not-an-email"}, ("email", "INVALID")),
        ({"name": "Nouveau", "slug": "boulangerie"}, ("slug", "UNIQUE")),
    ]
    for payload, expected in cases:
        errors = _update(gql, world, payload)["errors"]
        assert (errors[0]["field"], errors[0]["code"]) == expected, payload
    assert _unchanged(world) == before


def test_the_same_slug_is_allowed_in_another_town(gql, world):
    from tests.factories import TownFactory, VendorFactory

    VendorFactory(town=TownFactory(slug="sete"), slug="fromagerie-sete")
    data = _update(gql, world, {"slug": "fromagerie-sete"})
    assert data["errors"] == []
    assert Vendor.objects.get(pk=world.shop_a.pk).slug == "fromagerie-sete"


def test_a_fee_in_a_zero_decimal_currency_refuses_cents(gql, world):
    world.town.currency = "JPY"
    world.town.save(update_fields=["currency"])
    data = _update(gql, world, {"fulfilmentMethods": [{"method": "PICKUP", "fee": "1.50"}]})
    assert [(e["field"], e["code"]) for e in data["errors"]] == [
        ("fulfilmentMethods.0.fee", "INVALID_PRICE")
    ]
    assert list(
        FulfilmentMethod.objects.filter(vendor=world.shop_a).values_list("fee", flat=True)
    ) == [Decimal("0.00")]


@pytest.mark.parametrize(
    "phone",
    [
        "abc",
        "04 67 12 34 5a",
        "++33 4 67 12 34 56",
        "33+467123456",
        "12345",
        "-0467123456",
        "0".zfill(16),
    ],
)
def test_a_phone_that_is_not_a_phone_number_is_refused_and_not_saved(gql, world, phone):
    Vendor.objects.filter(pk=world.shop_a.pk).update(phone="04 67 00 00 00")

    data = _update(gql, world, {"phone": phone, "name": "Autre nom"})

    assert [(e["field"], e["code"]) for e in data["errors"]] == [("phone", "INVALID")]
    vendor = Vendor.objects.get(pk=world.shop_a.pk)
    assert (vendor.phone, vendor.name) == ("04 67 00 00 00", "Fromagerie")


@pytest.mark.parametrize(
    "phone",
    ["04 67 12 34 56", "+33 4 67 12 34 56", "04.67.12.34.56", "04-67-12-34-56", "0467123456", ""],
)
def test_a_phone_number_as_people_write_it_is_saved(gql, world, phone):
    data = _update(gql, world, {"phone": f" {phone} "})

    assert data["errors"] == []
    assert Vendor.objects.get(pk=world.shop_a.pk).phone == phone
