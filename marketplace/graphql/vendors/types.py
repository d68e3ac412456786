from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from marketplace.catalog.models import Category
from marketplace.graphql.core.dataloaders import gather, then
from marketplace.graphql.core.pagination import CountableConnection, paginate_list
from marketplace.graphql.core.scalars import Decimal, GeoPoint, Money
from marketplace.graphql.vendors import dataloaders as loaders
from vendors.access import is_vendor_member
from vendors.models import FulfilmentMethodName, Product, Variant, Vendor, VendorStatus

VendorStatusEnum = graphene.Enum.from_enum(VendorStatus, name="VendorStatus")
FulfilmentMethodEnum = graphene.Enum.from_enum(FulfilmentMethodName, name="FulfilmentMethodName")


def _enum_value(enum_type: Any, value: str) -> Any:
    return enum_type.get(value) if hasattr(enum_type, "get") else value


class CategoryType(graphene.ObjectType):
    class Meta:
        name = "Category"
        interfaces = (relay.Node,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    parent = graphene.Field(lambda: CategoryType)
    vat_rate = graphene.Field(Decimal, required=True, description="Default VAT rate, percent.")

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return loaders.CategoryByIdLoader(info.context).load(int(pk))

    @staticmethod
    def resolve_parent(root: Category, info: Any) -> Any:
        if root.parent_id is None:
            return None
        return loaders.CategoryByIdLoader(info.context).load(root.parent_id)


class Address(graphene.ObjectType):
    street = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    city = graphene.String(required=True)
    country = graphene.String(required=True)


class FulfilmentMethod(graphene.ObjectType):
    method = graphene.Field(FulfilmentMethodEnum, required=True)
    fee = graphene.Field(Money, required=True)


class VariantType(graphene.ObjectType):
    class Meta:
        name = "Variant"
        interfaces = (relay.Node,)

    sku = graphene.String(required=True)
    name = graphene.String(required=True)
    price = graphene.Field(Money, required=True, description="Price, tax included.")
    vat_rate = graphene.Field(Decimal, required=True, description="VAT rate, percent.")
    quantity_available = graphene.Int(required=True)
    product = graphene.Field(lambda: ProductType, required=True)

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return loaders.VariantByIdLoader(info.context).load(int(pk))

    @staticmethod
    def resolve_price(root: Variant, info: Any) -> Any:
        currency = loaders.CurrencyByVendorIdLoader(info.context).load(root.vendor_id)
        return then(currency, lambda code: Money.of(root.price, code))

    @staticmethod
    def resolve_vat_rate(root: Variant, info: Any) -> Any:
        return loaders.VatRateByVariantIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_quantity_available(root: Variant, info: Any) -> Any:
        return loaders.QuantityAvailableByVariantIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_product(root: Variant, info: Any) -> Any:
        return loaders.ProductByIdLoader(info.context).load(root.product_id)


class ProductType(graphene.ObjectType):
    class Meta:
        name = "Product"
        interfaces = (relay.Node,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    category = graphene.Field(CategoryType, required=True)
    vendor = graphene.Field(lambda: VendorType, required=True)
    variants = graphene.List(graphene.NonNull(VariantType), required=True)
    image_url = graphene.String()
    thumbnail_url = graphene.String()

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return then(
            loaders.ProductByIdLoader(info.context).load(int(pk)),
            lambda product: _visible_product(info, product),
        )

    @staticmethod
    def resolve_category(root: Product, info: Any) -> Any:
        return loaders.CategoryByIdLoader(info.context).load(root.category_id)

    @staticmethod
    def resolve_vendor(root: Product, info: Any) -> Any:
        return loaders.VendorByIdLoader(info.context).load(root.vendor_id)

    @staticmethod
    def resolve_variants(root: Product, info: Any) -> Any:
        return loaders.VariantsByProductIdLoader(info.context).load(root.pk)

    @staticmethod
    def resolve_image_url(root: Product, info: Any) -> str | None:
        return info.context.build_absolute_uri(root.image.url) if root.image else None

    @staticmethod
    def resolve_thumbnail_url(root: Product, info: Any) -> str | None:
        return info.context.build_absolute_uri(root.thumbnail.url) if root.thumbnail else None


def _visible_product(info: Any, product: Product | None) -> Any:
    if product is None:
        return None
    return then(
        loaders.VendorByIdLoader(info.context).load(product.vendor_id),
        lambda vendor: product if vendor_is_visible(info, vendor) else None,
    )


def vendor_is_visible(info: Any, vendor: Vendor | None) -> bool:
    """Approved shops are public; the others only to their members and the town's staff."""
    if vendor is None:
        return False
    if vendor.status == VendorStatus.APPROVED:
        return True
    from marketplace.towns.access import is_town_staff

    user = info.context.user
    return is_vendor_member(user, vendor.pk) or is_town_staff(user, vendor.town_id)


class ProductConnection(CountableConnection):
    class Meta:
        node = ProductType


class VendorType(graphene.ObjectType):
    class Meta:
        name = "Vendor"
        interfaces = (relay.Node,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    status = graphene.Field(VendorStatusEnum, required=True)
    town = graphene.Field("marketplace.graphql.towns.types.TownType", required=True)
    category = graphene.Field(CategoryType)
    address = graphene.Field(Address, required=True)
    location = graphene.Field(GeoPoint)
    opening_hours = graphene.JSONString(
        required=True, description='Per day ("mon".."sun"): "HH:MM-HH:MM[,HH:MM-HH:MM]" or null.'
    )
    fulfilment_methods = graphene.List(graphene.NonNull(FulfilmentMethod), required=True)
    products = graphene.Field(
        ProductConnection, required=True, first=graphene.Int(), after=graphene.String()
    )

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return then(
            loaders.VendorByIdLoader(info.context).load(int(pk)),
            lambda vendor: vendor if vendor_is_visible(info, vendor) else None,
        )

    @staticmethod
    def resolve_status(root: Vendor, _info: Any) -> Any:
        return root.status

    @staticmethod
    def resolve_town(root: Vendor, info: Any) -> Any:
        return loaders.TownByIdLoader(info.context).load(root.town_id)

    @staticmethod
    def resolve_category(root: Vendor, info: Any) -> Any:
        if root.category_id is None:
            return None
        return loaders.CategoryByIdLoader(info.context).load(root.category_id)

    @staticmethod
    def resolve_address(root: Vendor, _info: Any) -> dict[str, str]:
        return {
            "street": root.street,
            "postal_code": root.postal_code,
            "city": root.city,
            "country": root.country,
        }

    @staticmethod
    def resolve_location(root: Vendor, _info: Any) -> dict[str, float] | None:
        if root.latitude is None or root.longitude is None:
            return None
        return {"latitude": root.latitude, "longitude": root.longitude}

    @staticmethod
    def resolve_fulfilment_methods(root: Vendor, info: Any) -> Any:
        methods = loaders.FulfilmentMethodsByVendorIdLoader(info.context).load(root.pk)
        currency = loaders.CurrencyByVendorIdLoader(info.context).load(root.pk)
        return then(
            gather([methods, currency]),
            lambda both: [
                {"method": item.method, "fee": Money.of(item.fee, both[1])} for item in both[0]
            ],
        )

    @staticmethod
    def resolve_products(
        root: Vendor, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        return then(
            loaders.ProductsByVendorIdLoader(info.context).load(root.pk),
            lambda items: paginate_list(ProductConnection, items, first=first, after=after),
        )


class VendorConnection(CountableConnection):
    class Meta:
        node = VendorType
