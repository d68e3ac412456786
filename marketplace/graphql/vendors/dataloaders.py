from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal as DecimalType

from django.db.models import QuerySet

from marketplace.accounts.requester import Requester
from marketplace.catalog.models import Category
from marketplace.graphql.core.dataloaders import ByForeignKeyLoader, ByIdLoader, DataLoader
from marketplace.towns.models import Town, TownStaff
from vendors.models import (
    FulfilmentMethod,
    Product,
    Stock,
    Variant,
    Vendor,
    VendorInvitation,
    VendorMember,
    VendorStatus,
)
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


class PrivateAccessByVendorIdLoader(DataLoader[int, bool]):
    """Whether the request's user may read the shop's private data (members, town staff)."""

    def batch_load(self, keys: Sequence[int]) -> list[bool]:
        user: Requester = self.context.user
        if not user.is_authenticated:
            return [False for _ in keys]
        if user.is_superuser:
            return [True for _ in keys]
        member_of = set(
            VendorMember.objects.filter(user_id=user.pk, vendor_id__in=list(keys)).values_list(
                "vendor_id", flat=True
            )
        )
        staff_towns = set(
            TownStaff.objects.filter(user_id=user.pk).values_list("town_id", flat=True)
        )
        towns = dict(Vendor.objects.filter(pk__in=list(keys)).values_list("pk", "town_id"))
        return [key in member_of or towns.get(key) in staff_towns for key in keys]


class MembersByVendorIdLoader(ByForeignKeyLoader[VendorMember]):
    field = "vendor"

    def queryset(self) -> QuerySet[VendorMember]:
        return VendorMember.objects.select_related("user").order_by("vendor_id", "role", "id")


class InvitationsByVendorIdLoader(ByForeignKeyLoader[VendorInvitation]):
    field = "vendor"

    def queryset(self) -> QuerySet[VendorInvitation]:
        return VendorInvitation.objects.filter(accepted_at__isnull=True).order_by(
            "vendor_id", "email"
        )


class StockByVariantIdLoader(DataLoader[int, Stock | None]):
    def batch_load(self, keys: Sequence[int]) -> list[Stock | None]:
        found = Stock.objects.in_bulk(list(keys), field_name="variant_id")
        return [found.get(key) for key in keys]
