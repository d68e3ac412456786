from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal as DecimalType

from django.db.models import QuerySet

from marketplace.catalog.models import Category
from marketplace.graphql.core.dataloaders import ByForeignKeyLoader, ByIdLoader, DataLoader
from marketplace.towns.models import Town
from vendors.models import FulfilmentMethod, Product, Variant, Vendor, VendorStatus
from vendors.stock import available_quantities


class TownByIdLoader(ByIdLoader[Town]):
    def queryset(self) -> QuerySet[Town]:
        return Town.objects.all()


class CategoryByIdLoader(ByIdLoader[Category]):
    def queryset(self) -> QuerySet[Category]:
        return Category.objects.all()


class VendorByIdLoader(ByIdLoader[Vendor]):
    def queryset(self) -> QuerySet[Vendor]:
        return Vendor.objects.all()


class ProductByIdLoader(ByIdLoader[Product]):
    def queryset(self) -> QuerySet[Product]:
        return Product.objects.all()


class VariantByIdLoader(ByIdLoader[Variant]):
    def queryset(self) -> QuerySet[Variant]:
        return Variant.objects.all()


class FulfilmentMethodsByVendorIdLoader(ByForeignKeyLoader[FulfilmentMethod]):
    field = "vendor"

    def queryset(self) -> QuerySet[FulfilmentMethod]:
        return FulfilmentMethod.objects.order_by("vendor_id", "method")


class ProductsByVendorIdLoader(ByForeignKeyLoader[Product]):
    field = "vendor"

    def queryset(self) -> QuerySet[Product]:
        return Product.objects.order_by("vendor_id", "name", "id")


class VariantsByProductIdLoader(ByForeignKeyLoader[Variant]):
    field = "product"

    def queryset(self) -> QuerySet[Variant]:
        return Variant.objects.order_by("product_id", "position", "id")


class ApprovedVendorsByTownIdLoader(ByForeignKeyLoader[Vendor]):
    field = "town"

    def queryset(self) -> QuerySet[Vendor]:
        return Vendor.objects.filter(status=VendorStatus.APPROVED).order_by("town_id", "name")


class QuantityAvailableByVariantIdLoader(DataLoader[int, int]):
    def batch_load(self, keys: Sequence[int]) -> list[int]:
        found = available_quantities(keys)
        return [found[key] for key in keys]


class CurrencyByVendorIdLoader(DataLoader[int, str]):
    def batch_load(self, keys: Sequence[int]) -> list[str]:
        found = dict(Vendor.objects.filter(pk__in=keys).values_list("pk", "town__currency"))
        return [found[key] for key in keys]


class VatRateByVariantIdLoader(DataLoader[int, DecimalType]):
    """The variant's own VAT rate, or its category's default."""

    def batch_load(self, keys: Sequence[int]) -> list[DecimalType]:
        rows = Variant.objects.filter(pk__in=keys).values_list(
            "pk", "vat_rate", "product__category__vat_rate"
        )
        found = {pk: own if own is not None else default for pk, own, default in rows}
        return [found[key] for key in keys]
