from __future__ import annotations

from typing import Any

import graphene

from marketplace.core.collation import FrenchOrder
from marketplace.graphql.core.dataloaders import then
from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.vendors import dataloaders as loaders
from marketplace.graphql.vendors.mutations.catalog_import import CatalogImport
from marketplace.graphql.vendors.mutations.product_create import ProductCreate
from marketplace.graphql.vendors.mutations.product_delete import ProductDelete
from marketplace.graphql.vendors.mutations.product_image_upload import ProductImageUpload
from marketplace.graphql.vendors.mutations.product_publish import ProductPublish
from marketplace.graphql.vendors.mutations.product_update import ProductUpdate
from marketplace.graphql.vendors.mutations.stock_adjust import StockAdjust
from marketplace.graphql.vendors.mutations.stock_update import StockUpdate
from marketplace.graphql.vendors.mutations.vendor_apply import VendorApply
from marketplace.graphql.vendors.mutations.vendor_invitation_accept import (
    VendorInvitationAccept,
)
from marketplace.graphql.vendors.mutations.vendor_member_invite import VendorMemberInvite
from marketplace.graphql.vendors.mutations.vendor_member_remove import VendorMemberRemove
from marketplace.graphql.vendors.mutations.vendor_ownership_transfer import (
    VendorOwnershipTransfer,
)
from marketplace.graphql.vendors.mutations.vendor_update import VendorUpdate
from marketplace.graphql.vendors.types import (
    ProductType,
    VendorType,
    _visible_product,
    vendor_is_visible,
)
from vendors.access import is_vendor_member
from vendors.csv_export import catalog_export
from vendors.models import Vendor


class Query(graphene.ObjectType):
    vendor = graphene.Field(
        VendorType,
        town=graphene.String(required=True),
        slug=graphene.String(required=True),
        description="A shop by its town's slug and its own slug.",
    )
    product = graphene.Field(ProductType, id=graphene.ID(required=True))
    my_vendors = graphene.List(
        graphene.NonNull(VendorType),
        required=True,
        description="The shops the logged-in user is a member of (any status).",
    )
    catalog_export = graphene.String(
        vendor=graphene.ID(required=True),
        description="The shop's catalogue as CSV, re-importable with catalogImport (members).",
    )

    @staticmethod
    def resolve_vendor(_root: Any, info: Any, town: str, slug: str) -> Any:
        vendor = Vendor.objects.filter(town__slug=town, slug=slug).first()
        return vendor if vendor_is_visible(info, vendor) else None

    @staticmethod
    def resolve_product(_root: Any, info: Any, id: str) -> Any:
        pk = decode_id_or_none(id, "Product")
        if pk is None:
            return None
        return then(
            loaders.ProductByIdLoader(info.context).load(pk),
            lambda product: _visible_product(info, product),
        )

    @staticmethod
    def resolve_my_vendors(_root: Any, info: Any) -> Any:
        user = info.context.user
        if not user.is_authenticated:
            return []
        return Vendor.objects.filter(members__user_id=user.pk).order_by(FrenchOrder("name"), "id")

    @staticmethod
    def resolve_catalog_export(_root: Any, info: Any, vendor: str) -> str | None:
        pk = decode_id_or_none(vendor, "Vendor")
        if pk is None or not is_vendor_member(info.context.user, pk):
            return None
        return catalog_export(vendor_id=pk)


class Mutation(graphene.ObjectType):
    vendor_apply = VendorApply.Field()
    vendor_update = VendorUpdate.Field()
    vendor_member_invite = VendorMemberInvite.Field()
    vendor_invitation_accept = VendorInvitationAccept.Field()
    vendor_member_remove = VendorMemberRemove.Field()
    vendor_ownership_transfer = VendorOwnershipTransfer.Field()
    product_create = ProductCreate.Field()
    product_update = ProductUpdate.Field()
    product_delete = ProductDelete.Field()
    product_publish = ProductPublish.Field()
    product_image_upload = ProductImageUpload.Field()
    stock_update = StockUpdate.Field()
    stock_adjust = StockAdjust.Field()
    catalog_import = CatalogImport.Field()
