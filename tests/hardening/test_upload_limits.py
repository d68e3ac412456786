"""Item 7 of issue #15: uploads and imports cannot take a worker's memory or time, and only an
approved shop may use them."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from graphql_relay import to_global_id
from PIL import Image

from tests.factories import (
    CategoryFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    VendorMemberFactory,
)
from tests.vendors.helpers import upload
from vendors.models import Product, Variant, VendorRole, VendorStatus

pytestmark = pytest.mark.django_db

IMAGE = """mutation($product: ID!, $file: Upload!) { productImageUpload(product: $product, file: $file) {
    product { imageUrl } errors { field code message } } }"""
IMPORT = """mutation($vendor: ID!, $file: Upload!) { catalogImport(vendor: $vendor, file: $file) {
    report { created errors { line code message } } errors { field code } } }"""
HEADER = "product,description,category,sku,variant_name,price,stock\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG file that says it is width × height (its pixels are never there)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def _small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(out, format="PNG")
    return out.getvalue()


def _shop(status=VendorStatus.APPROVED):
    shop = VendorFactory(status=status)
    owner = UserFactory(email=f"owner-{status}@example.org")
    VendorMemberFactory(vendor=shop, user=owner, role=VendorRole.OWNER)
    return shop, owner


def test_an_image_of_too_many_pixels_is_refused_from_its_header(gql, no_hang):
    shop, owner = _shop()
    product = ProductFactory(vendor=shop)
    data = png_header_only(9400, 9400)
    assert len(data) < 200

    result = upload(
        gql.login(owner),
        IMAGE,
        {"product": to_global_id("Product", product.pk)},
        file_variable="file",
        name="bomb.png",
        content=data,
        content_type="image/png",
    )

    errors = result["productImageUpload"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("file", "FILE_TOO_LARGE")]
    assert not Product.objects.get(pk=product.pk).image


def test_a_shop_not_approved_can_neither_upload_images_nor_import(gql):
    shop, owner = _shop(VendorStatus.PENDING)
    product = ProductFactory(vendor=shop)
    gql.login(owner)
    csv = HEADER + f"Pain,Bon,{CategoryFactory(slug='pains').slug},P1,,2.00,3\n"

    image = upload(
        gql,
        IMAGE,
        {"product": to_global_id("Product", product.pk)},
        file_variable="file",
        name="a.png",
        content=_small_png(),
        content_type="image/png",
    )
    imported = upload(
        gql,
        IMPORT,
        {"vendor": to_global_id("Vendor", shop.pk)},
        file_variable="file",
        name="c.csv",
        content=csv.encode(),
    )

    assert [e["code"] for e in image["productImageUpload"]["errors"]] == ["VENDOR_NOT_ACTIVE"]
    assert imported["catalogImport"] == {
        "report": None,
        "errors": [{"field": "vendor", "code": "VENDOR_NOT_ACTIVE"}],
    }
    assert not Product.objects.get(pk=product.pk).image
    assert not Variant.objects.filter(sku="P1").exists()


def test_an_import_stops_after_100_errors(gql, no_hang):
    shop, owner = _shop()
    content = (HEADER + "x\n" * 400_000).encode()  # 800 kB of rows of the wrong shape

    result = upload(
        gql.login(owner),
        IMPORT,
        {"vendor": to_global_id("Vendor", shop.pk)},
        file_variable="file",
        name="c.csv",
        content=content,
    )

    errors = result["catalogImport"]["report"]["errors"]
    assert len(errors) == 101
    assert errors[-1]["message"] == "Arrêt après 100 erreurs."


def test_an_import_of_too_many_rows_is_refused(gql, no_hang, settings):
    shop, owner = _shop()
    content = (HEADER + ",,,,,,\n" * (settings.CATALOG_IMPORT_MAX_ROWS + 1)).encode()

    result = upload(
        gql.login(owner),
        IMPORT,
        {"vendor": to_global_id("Vendor", shop.pk)},
        file_variable="file",
        name="c.csv",
        content=content,
    )

    errors = result["catalogImport"]["report"]["errors"]
    assert [(e["line"], e["code"]) for e in errors] == [
        (settings.CATALOG_IMPORT_MAX_ROWS + 2, "FILE_TOO_LARGE")
    ]
