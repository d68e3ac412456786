"""One image per product, checked and thumbnailed with Pillow."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from search.indexing import mark_products_dirty
from vendors.error_codes import VendorErrorCode
from vendors.models import Product
from vendors.validation import field_error, require_approved

MAX_IMAGE_BYTES = 5 * 1024 * 1024
THUMBNAIL_SIZE = 400
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _read_image(upload: Any) -> tuple[bytes, str]:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise field_error(
            "file", _("The image is larger than 5 MB."), VendorErrorCode.FILE_TOO_LARGE
        )
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise field_error(
            "file", _("The image is larger than 5 MB."), VendorErrorCode.FILE_TOO_LARGE
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                image_format = probe.format or ""
                width, height = probe.size
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise field_error(
                        "file",
                        _("The image has more than %(pixels)d megapixels.")
                        % {"pixels": settings.IMAGE_MAX_PIXELS // 1_000_000},
                        VendorErrorCode.FILE_TOO_LARGE,
                    )
                probe.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise field_error(
            "file", _("The file is not a readable image."), VendorErrorCode.INVALID_IMAGE
        ) from error
    if image_format not in FORMATS:
        raise field_error(
            "file", _("Use a JPEG, PNG or WebP image."), VendorErrorCode.INVALID_IMAGE
        )
    return data, image_format


def _thumbnail(data: bytes, image_format: str) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        thumb = image.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if image_format == "JPEG" and thumb.mode not in {"RGB", "L"}:
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, format=image_format)
    return out.getvalue()


@dataclass(frozen=True)
class CheckedImage:
    """An upload found to be a real JPEG, PNG or WebP image within the limits, with its
    thumbnail: what `product_image_store` writes."""

    data: bytes
    image_format: str
    thumbnail: bytes


def product_image_check(*, upload: Any) -> CheckedImage:
    """Check an upload (size, pixels, a real image of an accepted format) and make its thumbnail,
    writing nothing: errors on `file`. The pixel dimensions are checked from the header before
    anything is decoded."""
    data, image_format = _read_image(upload)
    try:
        thumbnail = _thumbnail(data, image_format)
    except (OSError, ValueError) as error:
        raise field_error(
            "file", _("The file is not a readable image."), VendorErrorCode.INVALID_IMAGE
        ) from error
    return CheckedImage(data=data, image_format=image_format, thumbnail=thumbnail)


def product_image_store(*, product: Product, image: CheckedImage) -> None:
    """Write a checked image and its thumbnail as the product's (a row the caller's transaction
    holds locked); the former files are removed once that transaction commits."""
    extension = FORMATS[image.image_format]
    stem = uuid.uuid4().hex
    old = [product.image.name, product.thumbnail.name]
    product.image.save(f"{stem}.{extension}", ContentFile(image.data), save=False)
    product.thumbnail.save(f"{stem}.{extension}", ContentFile(image.thumbnail), save=False)
    product.save(update_fields=["image", "thumbnail", "updated_at"])
    mark_products_dirty(product_ids=[product.pk])
    new = [product.image.name, product.thumbnail.name]

    def remove_old() -> None:
        for name in old:
            if name and name not in new:
                default_storage.delete(name)

    transaction.on_commit(remove_old)


def product_image_upload(*, product_id: int, upload: Any) -> Product:
    """Replace the product's image (and its 400 px thumbnail), for an approved shop's product."""
    require_approved(Product.objects.select_related("vendor").get(pk=product_id).vendor)
    image = product_image_check(upload=upload)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        product_image_store(product=product, image=image)
    return product
