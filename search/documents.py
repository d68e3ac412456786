"""One search document per published product of an approved shop, built in batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from marketplace.catalog.models import Category
from marketplace.catalog.tree import category_paths
from vendors.models import FulfilmentMethod, Product, Variant, Vendor, VendorStatus
from vendors.stock import unsold_quantities

BATCH_SIZE = 5000


def indexable_product_ids(*, town_id: int) -> list[int]:
    return list(
        Product.objects.filter(
            vendor__town_id=town_id, vendor__status=VendorStatus.APPROVED, is_published=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def build_documents(
    product_ids: Sequence[int], *, paths: dict[int, list[Category]] | None = None
) -> dict[int, dict[str, Any]]:
    """Documents of those products that must be in the index (published, approved shop), by id.

    Ids missing from the result are products deleted, unpublished or of a shop not approved.
    Six queries per call (five with `paths` given), whatever the number of products.
    """
    if not product_ids:
        return {}
    if paths is None:
        paths = category_paths()
    # Plain tuples, not model instances: this is the hot loop of a rebuild.
    products = list(
        Product.objects.filter(
            pk__in=list(product_ids), vendor__status=VendorStatus.APPROVED, is_published=True
        ).values_list("pk", "slug", "name", "description", "category_id", "vendor_id")
    )
    vendor_ids = {row[5] for row in products}
    vendors = {
        row[0]: row
        for row in Vendor.objects.filter(pk__in=vendor_ids).values_list(
            "pk", "slug", "name", "latitude", "longitude", "town__slug"
        )
    }
    variants: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for variant_id, product_id, price in Variant.objects.filter(
        product_id__in=[row[0] for row in products]
    ).values_list("pk", "product_id", "price"):
        variants[product_id].append((variant_id, price))
    quantities = unsold_quantities([vid for rows in variants.values() for vid, _ in rows])
    methods: dict[int, list[str]] = defaultdict(list)
    for vendor_id, method in (
        FulfilmentMethod.objects.filter(vendor_id__in=vendor_ids)
        .order_by("vendor_id", "method")
        .values_list("vendor_id", "method")
    ):
        methods[vendor_id].append(method)
    documents: dict[int, dict[str, Any]] = {}
    for pk, slug, name, description, category_id, vendor_id in products:
        _, vendor_slug, vendor_name, latitude, longitude, town_slug = vendors[vendor_id]
        prices = sorted(float(price) for _, price in variants[pk])
        unsold = sum(quantities.get(vid, 0) for vid, _ in variants[pk])
        path = paths.get(category_id, [])
        location = None
        if latitude is not None and longitude is not None:
            location = {"lat": latitude, "lon": longitude}
        documents[pk] = {
            "product_id": pk,
            "slug": slug,
            "name": name,
            "description": description,
            "town": town_slug,
            "vendor_id": vendor_id,
            "vendor_slug": vendor_slug,
            "vendor_name": vendor_name,
            "category_slugs": [c.slug for c in path],
            "category_names": [c.name for c in path],
            "prices": prices,
            "price_min": prices[0] if prices else None,
            "price_max": prices[-1] if prices else None,
            "in_stock": unsold > 0,
            "location": location,
            "fulfilment": methods[vendor_id],
        }
    return documents


def iter_town_documents(*, town_id: int) -> Iterator[dict[str, Any]]:
    """Every document of a town, in batches (bounded memory for large towns)."""
    ids = indexable_product_ids(town_id=town_id)
    paths = category_paths()
    for start in range(0, len(ids), BATCH_SIZE):
        yield from build_documents(ids[start : start + BATCH_SIZE], paths=paths).values()
