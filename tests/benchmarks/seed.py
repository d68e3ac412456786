"""The checkout benchmarks' town: 3 approved shops, each with `variants_per_shop` products of one
variant in ample stock (bench_checkout, bench_side_effects)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def three_shops(variants_per_shop: int = 30) -> tuple[Any, list[list[Any]]]:
    """The town and, per shop, its variants. Each shop offers pickup (free) and local delivery."""
    # Django's modules are imported once the calling script has set the environment up.
    from marketplace.catalog.models import Category
    from marketplace.towns.models import Town
    from vendors.models import FulfilmentMethod, Product, Stock, Variant, Vendor, VendorStatus

    town = Town.objects.create(
        slug="bench", name="Bench", center_latitude=43.6, center_longitude=3.87
    )
    category = Category.objects.create(slug="food", name="Food", vat_rate=Decimal("5.50"))
    shops = []
    for s in range(3):
        vendor = Vendor.objects.create(
            town=town,
            slug=f"shop-{s}",
            name=f"Shop {s}",
            email=f"s{s}@example.org",
            status=VendorStatus.APPROVED,
        )
        FulfilmentMethod.objects.create(vendor=vendor, method="pickup", fee=Decimal("0"))
        FulfilmentMethod.objects.create(vendor=vendor, method="local_delivery", fee=Decimal("3.9"))
        variants = []
        for p in range(variants_per_shop):
            product = Product.objects.create(
                vendor=vendor, slug=f"p-{p}", name=f"Produit {p}", category=category
            )
            variant = Variant.objects.create(
                product=product, vendor=vendor, sku=f"S{s}-{p}", price=Decimal("4.35") + p
            )
            Stock.objects.create(variant=variant, quantity=1_000_000)
            variants.append(variant)
        shops.append(variants)
    return town, shops
