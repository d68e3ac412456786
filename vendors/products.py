"""Products and their variants, written by a shop's members."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from search.indexing import mark_products_dirty
from vendors.error_codes import VendorErrorCode
from vendors.images import CheckedImage, product_image_check, product_image_store
from vendors.models import Product, StockMovementReason, Variant, Vendor
from vendors.stock import stock_lock, stock_set, stocks_create, stocks_lock
from vendors.stock_updates import apply_low_stock_rules
from vendors.validation import (
    check_price,
    check_quantity,
    check_text,
    field_error,
    require_approved,
    resolve_category,
)


def unique_product_slug(*, vendor_id: int, name: str, taken: set[str] | None = None) -> str:
    base = (slugify(name) or "produit")[:110]
    if taken is None:
        used: set[str] = set()
        candidates = set(
            Product.objects.filter(vendor_id=vendor_id, slug__startswith=base).values_list(
                "slug", flat=True
            )
        )
    else:
        # The caller passes every slug of the shop and keeps the set up to date.
        used, candidates = taken, set()
    slug, index = base, 2
    while slug in candidates or slug in used:
        slug = f"{base}-{index}"
        index += 1
    used.add(slug)
    return slug


def _check_variant(
    prefix: str, data: dict[str, Any], *, currency: str, creating: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if creating or data.get("sku") is not None:
        values["sku"] = check_text(f"{prefix}.sku", data.get("sku"), max_length=64)
    if data.get("name") is not None:
        values["name"] = check_text(f"{prefix}.name", data["name"], max_length=120, required=False)
    if creating or data.get("price") is not None:
        if data.get("price") is None:
            raise field_error(f"{prefix}.price", _("Enter a price."), VendorErrorCode.REQUIRED)
        values["price"] = check_price(f"{prefix}.price", data["price"], currency=currency)
    if data.get("stock") is not None:
        values["stock"] = check_quantity(f"{prefix}.stock", data["stock"])
    if "low_stock_threshold" in data:
        threshold = data["low_stock_threshold"]
        values["low_stock_threshold"] = (
            None if threshold is None else check_quantity(f"{prefix}.lowStockThreshold", threshold)
        )
    return values


def _create_variant(
    *, product: Product, values: dict[str, Any], position: int, user: Requester | None
) -> Variant:
    variant = Variant.objects.create(
        product=product,
        vendor_id=product.vendor_id,
        sku=values["sku"],
        name=values.get("name", ""),
        price=values["price"],
        low_stock_threshold=values.get("low_stock_threshold"),
        position=position,
    )
    [stock] = stocks_create(
        quantities=[(variant, values.get("stock", 0))], user=user, reason=StockMovementReason.SET
    )
    apply_low_stock_rules([(stock, variant.low_stock_threshold)])
    return variant


def _duplicate_skus(skus: list[str]) -> None:
    seen: set[str] = set()
    for index, sku in enumerate(skus):
        if sku in seen:
            raise field_error(
                f"variants.{index}.sku",
                _("Each SKU may appear once."),
                VendorErrorCode.DUPLICATED_INPUT,
            )
        seen.add(sku)


def _sku_taken(vendor_id: int, skus: list[str], *, exclude: set[int]) -> None:
    taken = set(
        Variant.objects.filter(vendor_id=vendor_id, sku__in=skus)
        .exclude(pk__in=exclude)
        .values_list("sku", flat=True)
    )
    for index, sku in enumerate(skus):
        if sku in taken:
            raise field_error(
                f"variants.{index}.sku",
                _("Another variant of this shop already uses this SKU."),
                VendorErrorCode.UNIQUE,
            )


def _checked_image(vendor: Vendor, upload: Any) -> CheckedImage | None:
    """A photo sent with a product's fields, checked before anything is written (errors on
    `file`; a shop not approved yet may not upload)."""
    if upload is None:
        return None
    require_approved(vendor)
    return product_image_check(upload=upload)


def product_create(
    *, vendor_id: int, data: dict[str, Any], user: Requester | None, image: Any = None
) -> Product:
    """A product with its variants and, when `image` (an upload) is given, its photo: all
    checked first, then written in one transaction, or nothing is."""
    vendor = Vendor.objects.select_related("town").get(pk=vendor_id)
    currency = vendor.town.currency
    name = check_text("name", data.get("name"), max_length=200)
    description = check_text(
        "description", data.get("description"), max_length=10000, required=False
    )
    category = resolve_category("category", data.get("category"))
    raw_variants = data.get("variants") or []
    if not raw_variants:
        raise field_error("variants", _("Add at least one variant."), VendorErrorCode.REQUIRED)
    variants = [
        _check_variant(f"variants.{index}", item, currency=currency, creating=True)
        for index, item in enumerate(raw_variants)
    ]
    skus = [item["sku"] for item in variants]
    _duplicate_skus(skus)
    photo = _checked_image(vendor, image)
    try:
        with transaction.atomic():
            Vendor.objects.select_for_update().filter(pk=vendor_id).first()
            _sku_taken(vendor_id, skus, exclude=set())
            product = Product.objects.create(
                vendor=vendor,
                slug=unique_product_slug(vendor_id=vendor_id, name=name),
                name=name,
                description=description,
                category=category,
            )
            for position, values in enumerate(variants):
                _create_variant(product=product, values=values, position=position, user=user)
            if photo is not None:
                product_image_store(product=product, image=photo)
            mark_products_dirty(product_ids=[product.pk])
    except IntegrityError as error:
        raise field_error(
            "variants", _("A SKU or slug is already used."), VendorErrorCode.UNIQUE
        ) from error
    return product


def _update_variant(
    *, variant: Variant, values: dict[str, Any], user: Requester | None, field: str
) -> None:
    changed = [
        name
        for name in ("sku", "name", "price", "low_stock_threshold")
        if name in values and getattr(variant, name) != values[name]
    ]
    for name in changed:
        setattr(variant, name, values[name])
    if changed:
        variant.save(update_fields=changed)
    stock = stock_lock(variant_id=variant.pk)
    if "stock" in values:
        stock_set(stock=stock, quantity=values["stock"], user=user, field=f"{field}.stock")
    apply_low_stock_rules([(stock, variant.low_stock_threshold)])


def product_update(
    *,
    product_id: int,
    data: dict[str, Any],
    variant_ids: list[int | None],
    remove_variant_ids: list[int],
    user: Requester | None,
    image: Any = None,
) -> Product:
    """`data["variants"][i]` updates variant `variant_ids[i]` or, when None, adds a variant;
    `image` (an upload), when given, replaces the photo in the same transaction."""
    product = Product.objects.select_related("vendor__town").get(pk=product_id)
    currency = product.vendor.town.currency
    changes: dict[str, Any] = {}
    if data.get("name") is not None:
        changes["name"] = check_text("name", data["name"], max_length=200)
    if data.get("description") is not None:
        changes["description"] = check_text(
            "description", data["description"], max_length=10000, required=False
        )
    if data.get("category") is not None:
        changes["category"] = resolve_category("category", data["category"])
    raw = data.get("variants") or []
    checked = [
        _check_variant(
            f"variants.{index}", item, currency=currency, creating=variant_ids[index] is None
        )
        for index, item in enumerate(raw)
    ]
    photo = _checked_image(product.vendor, image)
    try:
        with transaction.atomic():
            Vendor.objects.select_for_update().filter(pk=product.vendor_id).first()
            if photo is not None:  # its files are replaced: the row locked (before its variants)
                product.refresh_from_db(
                    from_queryset=Product.objects.select_for_update(), fields=["image", "thumbnail"]
                )
            existing = {
                v.pk: v
                for v in Variant.objects.select_for_update().filter(product=product).order_by("pk")
            }
            for index, pk in enumerate(variant_ids):
                if pk is not None and pk not in existing:
                    raise field_error(
                        f"variants.{index}.id",
                        _("This variant is not one of the product's."),
                        VendorErrorCode.NOT_FOUND,
                    )
            for index, pk in enumerate(remove_variant_ids):
                if pk not in existing:
                    raise field_error(
                        f"remove_variants.{index}",
                        _("This variant is not one of the product's."),
                        VendorErrorCode.NOT_FOUND,
                    )
            removed = set(remove_variant_ids)
            if removed & {pk for pk in variant_ids if pk is not None}:
                raise field_error(
                    "remove_variants",
                    _("A variant cannot be both updated and removed."),
                    VendorErrorCode.DUPLICATED_INPUT,
                )
            remaining = len(existing) - len(removed) + sum(1 for pk in variant_ids if pk is None)
            if remaining < 1:
                raise field_error(
                    "remove_variants",
                    _("A product keeps at least one variant."),
                    VendorErrorCode.LAST_VARIANT,
                )
            # Final SKUs of the product must be unique, and unique within the shop.
            final = {pk: v.sku for pk, v in existing.items() if pk not in removed}
            new_skus: list[str] = []
            for index, pk in enumerate(variant_ids):
                if "sku" in checked[index]:
                    if pk is None:
                        new_skus.append(checked[index]["sku"])
                    else:
                        final[pk] = checked[index]["sku"]
            all_skus = [*final.values(), *new_skus]
            if len(set(all_skus)) != len(all_skus):
                raise field_error(
                    "variants", _("Each SKU may appear once."), VendorErrorCode.DUPLICATED_INPUT
                )
            _sku_taken(product.vendor_id, all_skus, exclude=set(existing))
            _delete_variants([existing[pk] for pk in sorted(removed)])
            for field, value in changes.items():
                setattr(product, field, value)
            if changes:
                product.save(update_fields=[*changes, "updated_at"])
            position = max((v.position for v in existing.values()), default=-1) + 1
            for index, pk in enumerate(variant_ids):
                if pk is None:
                    _create_variant(
                        product=product, values=checked[index], position=position, user=user
                    )
                    position += 1
                else:
                    _update_variant(
                        variant=existing[pk],
                        values=checked[index],
                        user=user,
                        field=f"variants.{index}",
                    )
            if photo is not None:
                product_image_store(product=product, image=photo)
            mark_products_dirty(product_ids=[product.pk])
    except IntegrityError as error:
        raise field_error(
            "variants", _("A SKU is already used."), VendorErrorCode.UNIQUE
        ) from error
    return product


def _delete_variants(variants: list[Variant], *, field: str = "remove_variants") -> None:
    if not variants:
        return
    ids = [v.pk for v in variants]
    if any(stock.quantity_allocated for stock in stocks_lock(variant_ids=ids).values()):
        raise field_error(
            field,
            _("Units of this variant are allocated to orders in progress."),
            VendorErrorCode.STOCK_ALLOCATED,
        )
    try:
        Variant.objects.filter(pk__in=ids).delete()
    except ProtectedError as error:
        raise field_error(
            field,
            _("This variant is in use and cannot be removed."),
            VendorErrorCode.STOCK_ALLOCATED,
        ) from error


def product_delete(*, product_id: int) -> Product:
    """Delete a product and its variants; past orders keep their snapshots (variant set null)."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        variants = list(Variant.objects.filter(product=product).order_by("pk"))
        _delete_variants(variants, field="id")
        files = [product.image.name, product.thumbnail.name]
        mark_products_dirty(product_ids=[product_id])
        product.delete()
        _remove_files_on_commit(files)
    product.pk = product_id
    return product


def _remove_files_on_commit(names: list[str | None]) -> None:
    def remove() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(remove)


def product_publish(*, user: Requester | None, product_id: int, published: bool) -> Product:
    """Show (`published`) or hide a product: hidden, it leaves the search index and the shop's
    pages and cannot be added to a cart; its variants, stock and past orders are kept.

    The caller checks that `user` is a member of the product's shop (as for `product_update`).
    """
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise field_error("id", _("Not found."), VendorErrorCode.NOT_FOUND)
        if product.is_published != published:
            product.is_published = published
            product.save(update_fields=["is_published", "updated_at"])
            mark_products_dirty(product_ids=[product.pk])
    return product
