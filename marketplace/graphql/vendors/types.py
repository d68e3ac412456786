from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from marketplace.catalog.models import Category
from marketplace.graphql.core.dataloaders import gather, then
from marketplace.graphql.core.errors import error_type
from marketplace.graphql.core.pagination import (
    CountableConnection,
    paginate_list,
    paginate_queryset,
)
from marketplace.graphql.core.scalars import Decimal, GeoPoint, Money
from marketplace.graphql.vendors import dataloaders as loaders
from marketplace.towns.access import is_town_staff
from vendors.access import is_vendor_member
from vendors.error_codes import VendorErrorCode
from vendors.models import (
    FulfilmentMethodName,
    Product,
    StockMovement,
    StockMovementReason,
    Variant,
    Vendor,
    VendorInvitation,
    VendorMember,
    VendorRole,
    VendorStatus,
)

VendorStatusEnum = graphene.Enum.from_enum(VendorStatus, name="VendorStatus")
FulfilmentMethodEnum = graphene.Enum.from_enum(FulfilmentMethodName, name="FulfilmentMethodName")
VendorRoleEnum = graphene.Enum.from_enum(VendorRole, name="VendorRole")
StockMovementReasonEnum = graphene.Enum.from_enum(StockMovementReason, name="StockMovementReason")
VendorError = error_type("VendorError", VendorErrorCode)


def private(info: Any, vendor_id: int, value: Any) -> Any:
    """`value()` when the user may read the shop's private data, else None."""
    return then(
        loaders.PrivateAccessByVendorIdLoader(info.context).load(vendor_id),
        lambda allowed: value() if allowed else None,
    )


def private_future(info: Any, vendor_id: int, future: Any) -> Any:
    """The result of a loader's future when the user may read the shop's private data, else None.

    Both loads are gathered (never chained) so that they batch with the sibling fields.
    """
    access = loaders.PrivateAccessByVendorIdLoader(info.context).load(vendor_id)
    return then(gather([access, future]), lambda both: both[1] if both[0] else None)


def _enum_value(enum_type: Any, value: str) -> Any:
    return enum_type.get(value) if hasattr(enum_type, "get") else value


class CategoryType(graphene.ObjectType):
    class Meta:
        name = "Category"
        interfaces = (relay.Node,)
        possible_types = (Category,)

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
        possible_types = (Variant,)

    sku = graphene.String(required=True)
    name = graphene.String(required=True)
    price = graphene.Field(Money, required=True, description="Price, tax included.")
    vat_rate = graphene.Field(Decimal, required=True, description="VAT rate, percent.")
    quantity_available = graphene.Int(required=True)
    product = graphene.Field(lambda: ProductType, required=True)
    stock_quantity = graphene.Int(description="Units on hand (shop members and town staff).")
    quantity_allocated = graphene.Int(
        description="Units allocated to orders (shop members and town staff)."
    )
    low_stock_threshold = graphene.Int(description="Shop members and town staff.")

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        """A variant of a shop that is not public is hidden, as its product and shop are."""
        return then(
            loaders.VariantByIdLoader(info.context).load(int(pk)),
            lambda variant: (
                None
                if variant is None
                else then(
                    loaders.VendorByIdLoader(info.context).load(variant.vendor_id),
                    lambda vendor: variant if vendor_is_visible(info, vendor) else None,
                )
            ),
        )

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

    @staticmethod
    def resolve_stock_quantity(root: Variant, info: Any) -> Any:
        stock = loaders.StockByVariantIdLoader(info.context).load(root.pk)
        return private_future(info, root.vendor_id, then(stock, lambda s: s.quantity if s else 0))

    @staticmethod
    def resolve_quantity_allocated(root: Variant, info: Any) -> Any:
        stock = loaders.StockByVariantIdLoader(info.context).load(root.pk)
        return private_future(
            info, root.vendor_id, then(stock, lambda s: s.quantity_allocated if s else 0)
        )

    @staticmethod
    def resolve_low_stock_threshold(root: Variant, info: Any) -> Any:
        return private(info, root.vendor_id, lambda: root.low_stock_threshold)


class ProductType(graphene.ObjectType):
    class Meta:
        name = "Product"
        interfaces = (relay.Node,)
        possible_types = (Product,)

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    category = graphene.Field(CategoryType, required=True)
    vendor = graphene.Field(lambda: VendorType, required=True)
    variants = graphene.List(graphene.NonNull(VariantType), required=True)
    image_url = graphene.String()
    thumbnail_url = graphene.String()
    is_published = graphene.Boolean(
        required=True,
        description="Shown, searched and sold; unpublished, only its shop and the town staff see it.",
    )

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
        lambda vendor: (
            product
            if vendor_is_visible(info, vendor)
            and (product.is_published or sees_unpublished(info, vendor))
            else None
        ),
    )


def sees_unpublished(info: Any, vendor: Vendor) -> bool:
    """Unpublished products are seen by their shop's members and the town's staff only."""
    user = info.context.user
    return is_vendor_member(user, vendor.pk) or is_town_staff(user, vendor.town_id)


def vendor_is_visible(info: Any, vendor: Vendor | None) -> bool:
    """Approved shops are public; the others only to their members and the town's staff."""
    if vendor is None:
        return False
    if vendor.status == VendorStatus.APPROVED:
        return True

    user = info.context.user
    return is_vendor_member(user, vendor.pk) or is_town_staff(user, vendor.town_id)


class ProductConnection(CountableConnection):
    class Meta:
        node = ProductType


class VendorType(graphene.ObjectType):
    class Meta:
        name = "Vendor"
        interfaces = (relay.Node,)
        possible_types = (Vendor,)

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
    members = graphene.List(
        graphene.NonNull(lambda: VendorMemberType),
        description="The shop's members (shop members and town staff only).",
    )
    invitations = graphene.List(
        graphene.NonNull(lambda: VendorInvitationType),
        description="Pending invitations (shop members and town staff only).",
    )
    stock_movements = graphene.Field(
        lambda: StockMovementConnection,
        first=graphene.Int(),
        after=graphene.String(),
        description="Stock changes, newest first (shop members and town staff only).",
    )
    my_role = graphene.Field(VendorRoleEnum, description="The logged-in user's role in the shop.")

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
            lambda items: paginate_list(
                ProductConnection,
                items
                if all(p.is_published for p in items) or sees_unpublished(info, root)
                else [p for p in items if p.is_published],
                first=first,
                after=after,
            ),
        )

    @staticmethod
    def resolve_members(root: Vendor, info: Any) -> Any:
        # Loaded at once (not after the access check) so that it batches with sibling shops.
        members = loaders.MembersByVendorIdLoader(info.context).load(root.pk)
        return private_future(info, root.pk, members)

    @staticmethod
    def resolve_invitations(root: Vendor, info: Any) -> Any:
        invitations = loaders.InvitationsByVendorIdLoader(info.context).load(root.pk)
        return private_future(info, root.pk, invitations)

    @staticmethod
    def resolve_stock_movements(
        root: Vendor, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        def page() -> Any:
            queryset = (
                StockMovement.objects.filter(stock__variant__vendor_id=root.pk)
                .select_related("stock__variant", "user")
                .order_by("-created_at", "-id")
            )
            return paginate_queryset(StockMovementConnection, queryset, first=first, after=after)

        return private(info, root.pk, page)

    @staticmethod
    def resolve_my_role(root: Vendor, info: Any) -> Any:
        user = info.context.user
        if not user.is_authenticated:
            return None
        return then(
            loaders.MembersByVendorIdLoader(info.context).load(root.pk),
            lambda members: next((m.role for m in members if m.user_id == user.pk), None),
        )


class VendorMemberType(graphene.ObjectType):
    class Meta:
        name = "VendorMember"
        interfaces = (relay.Node,)
        possible_types = (VendorMember,)

    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    role = graphene.Field(VendorRoleEnum, required=True)
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        member = VendorMember.objects.select_related("user").filter(pk=int(pk)).first()
        if member is None:
            return None
        return private(info, member.vendor_id, lambda: member)

    @staticmethod
    def resolve_email(root: VendorMember, _info: Any) -> str:
        return root.user.email

    @staticmethod
    def resolve_first_name(root: VendorMember, _info: Any) -> str:
        return root.user.first_name

    @staticmethod
    def resolve_last_name(root: VendorMember, _info: Any) -> str:
        return root.user.last_name


class VendorInvitationType(graphene.ObjectType):
    class Meta:
        name = "VendorInvitation"

    email = graphene.String(required=True)
    role = graphene.Field(VendorRoleEnum, required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_role(root: VendorInvitation, _info: Any) -> str:
        return root.role


class StockMovementType(graphene.ObjectType):
    class Meta:
        name = "StockMovement"

    sku = graphene.String(required=True)
    delta = graphene.Int(required=True)
    quantity_after = graphene.Int(required=True)
    reason = graphene.Field(StockMovementReasonEnum, required=True)
    note = graphene.String(required=True)
    user_email = graphene.String(description="Who made the change (null: the system).")
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_sku(root: StockMovement, _info: Any) -> str:
        return root.stock.variant.sku

    @staticmethod
    def resolve_user_email(root: StockMovement, _info: Any) -> str | None:
        return root.user.email if root.user else None


class StockMovementConnection(CountableConnection):
    class Meta:
        node = StockMovementType


class VendorConnection(CountableConnection):
    class Meta:
        node = VendorType
