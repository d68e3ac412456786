"""productImageUpload: a real multipart upload checked and thumbnailed with Pillow."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import ProductFactory
from tests.vendors.helpers import gid, upload
from vendors.error_codes import VendorErrorCode
from vendors.models import Product, Variant, Vendor, VendorStatus
from vendors.products import product_create

UPLOAD = """
mutation($product: ID!, $file: Upload!) {
  productImageUpload(product: $product, file: $file) {
    product { imageUrl thumbnailUrl } errors { field code }
  }
}
"""


def _image(fmt: str, size: tuple[int, int] = (1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def product(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return ProductFactory(vendor=world.shop_a)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_an_image_is_stored_with_a_400px_thumbnail(gql, world, product, fmt):
    data = upload(
        gql.login(world.staff_a),
        UPLOAD,
        {"product": gid("Product", product.pk)},
        file_variable="file",
        name="photo.bin",
        content=_image(fmt),
    )["productImageUpload"]
    assert data["errors"] == []
    product.refresh_from_db()
    with Image.open(product.thumbnail.path) as thumb:
        assert (thumb.format, thumb.size) == (fmt, (400, 267))
    with Image.open(product.image.path) as image:
        assert image.size == (1200, 800)
    assert data["product"]["thumbnailUrl"].endswith(product.thumbnail.url)


def test_replacing_the_image_removes_the_old_files(
    gql, world, product, django_capture_on_commit_callbacks
):
    gql.login(world.owner_a)
    variables = {"product": gid("Product", product.pk)}
    upload(gql, UPLOAD, variables, file_variable="file", name="a.png", content=_image("PNG"))
    product.refresh_from_db()
    old = product.image.path
    with django_capture_on_commit_callbacks(execute=True):
        upload(gql, UPLOAD, variables, file_variable="file", name="b.png", content=_image("PNG"))
    import os

    assert not os.path.exists(old)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not an image at all", "INVALID_IMAGE"),
        (_image("GIF"), "INVALID_IMAGE"),
        (_image("BMP"), "INVALID_IMAGE"),
        (_image("PNG")[:200], "INVALID_IMAGE"),
        (b"\x89PNG" + b"0" * (5 * 1024 * 1024), "FILE_TOO_LARGE"),
    ],
)
def test_bad_files_are_refused(gql, world, product, content, code):
    data = upload(
        gql.login(world.owner_a),
        UPLOAD,
        {"product": gid("Product", product.pk)},
        file_variable="file",
        name="x.png",
        content=content,
    )["productImageUpload"]
    assert data == {"product": None, "errors": [{"field": "file", "code": code}]}
    product.refresh_from_db()
    assert not product.image


def test_a_product_created_with_a_file_that_is_no_image_is_not_created(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = {
        "name": "Tomme",
        "category": "fromages",
        "variants": [{"sku": "TOMME-1", "price": Decimal("8.00"), "stock": 3}],
    }

    with pytest.raises(ValidationError) as caught:
        product_create(
            vendor_id=world.shop_a.pk,
            data=data,
            user=world.owner_a,
            image=SimpleUploadedFile("tomme.pdf", b"%PDF-1.4\n%%EOF\n"),
        )

    assert caught.value.error_dict["file"][0].code == VendorErrorCode.INVALID_IMAGE.value
    assert not Product.objects.filter(vendor=world.shop_a).exists()
    assert not Variant.objects.filter(vendor=world.shop_a).exists()
    assert not list(tmp_path.rglob("*.*"))


def test_a_product_created_with_its_photo_has_it_and_its_thumbnail(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = {
        "name": "Tomme",
        "category": "fromages",
        "variants": [{"sku": "TOMME-1", "price": Decimal("8.00"), "stock": 3}],
    }

    product = product_create(
        vendor_id=world.shop_a.pk,
        data=data,
        user=world.owner_a,
        image=SimpleUploadedFile("tomme.jpg", _image("JPEG")),
    )

    product.refresh_from_db()
    with Image.open(product.thumbnail.path) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (400, 267))
    assert product.variants.get().sku == "TOMME-1"


def test_a_shop_not_approved_yet_cannot_create_a_product_with_a_photo(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Vendor.objects.filter(pk=world.shop_a.pk).update(status=VendorStatus.PENDING)

    with pytest.raises(ValidationError) as caught:
        product_create(
            vendor_id=world.shop_a.pk,
            data={
                "name": "Tomme",
                "category": "fromages",
                "variants": [{"sku": "TOMME-1", "price": Decimal("8.00")}],
            },
            user=world.owner_a,
            image=SimpleUploadedFile("tomme.jpg", _image("JPEG")),
        )

    assert caught.value.error_dict["vendor"][0].code == VendorErrorCode.VENDOR_NOT_ACTIVE.value
    assert not Product.objects.filter(vendor=world.shop_a).exists()
