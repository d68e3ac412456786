"""Item 10 of issue #15: no cell of the public catalogue.csv or of catalogExport runs as a
spreadsheet formula, and an export still imports back unchanged."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from tests.factories import (
    CategoryFactory,
    ProductFactory,
    TownFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)
from tests.vendors.helpers import upload
from vendors.models import Variant, VendorRole

pytestmark = pytest.mark.django_db

EXPORT = "query($vendor: ID!) { catalogExport(vendor: $vendor) }"
IMPORT = """mutation($vendor: ID!, $file: Upload!) { catalogImport(vendor: $vendor, file: $file) {
    report { created updated unchanged errors { line field code } } errors { code } } }"""
HOSTILE = {
    "product": '=HYPERLINK("http://evil.example","clic")',
    "description": "+1+cmd|' /C calc'!A0",
    "sku": "@SUM(1+1)",
    "variant": "-2+3",
}


@pytest.fixture
def hostile_shop(db):
    town = TownFactory(slug="montpellier")
    shop = VendorFactory(town=town, slug="piege")
    owner = UserFactory(email="owner@example.org")
    VendorMemberFactory(vendor=shop, user=owner, role=VendorRole.OWNER)
    product = ProductFactory(
        vendor=shop,
        name=HOSTILE["product"],
        description=HOSTILE["description"],
        category=CategoryFactory(slug="epicerie"),
    )
    VariantFactory(product=product, sku=HOSTILE["sku"], name=HOSTILE["variant"], stock=3)
    VariantFactory(
        product=product,
        sku="'=QUOTED",
        name="'already quoted",
        stock=1,
        price=Decimal("-0") + Decimal("2.50"),
    )
    return shop, owner


def _cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_no_cell_of_the_public_catalogue_starts_a_formula(client, hostile_shop):
    response = client.get("/open-data/montpellier/catalogue.csv")

    cells = _cells(response.content.decode())
    assert "'" + HOSTILE["product"] in cells
    assert "'" + HOSTILE["sku"] in cells
    assert "'" + HOSTILE["variant"] in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_catalog_export_neutralises_formulas_and_imports_back_unchanged(gql, hostile_shop):
    shop, owner = hostile_shop
    vendor = to_global_id("Vendor", shop.pk)
    before = sorted(
        Variant.objects.filter(vendor=shop).values_list(
            "sku", "name", "product__name", "product__description", "price"
        )
    )

    exported = gql.login(owner).execute(EXPORT, {"vendor": vendor})["catalogExport"]
    cells = _cells(exported)
    data = upload(
        gql,
        IMPORT,
        {"vendor": vendor},
        file_variable="file",
        name="c.csv",
        content=exported.encode(),
    )

    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "''=QUOTED" in cells and "'already quoted" in cells
    assert data["catalogImport"]["report"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "errors": [],
    }
    after = sorted(
        Variant.objects.filter(vendor=shop).values_list(
            "sku", "name", "product__name", "product__description", "price"
        )
    )
    assert after == before
