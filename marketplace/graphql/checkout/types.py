from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.db.models import Min
from graphql_relay import from_global_id, to_global_id

from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.lines import LineInput
from marketplace.checkout.models import Reservation
from marketplace.checkout.pricing import CheckoutSummary, LineSummary, ShopGroup
from marketplace.graphql.core.dataloaders import DataLoader
from marketplace.graphql.core.errors import MutationError, error_type
from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.scalars import Decimal, Money, money_field
from marketplace.graphql.vendors import dataloaders as vendor_loaders
from marketplace.graphql.vendors.types import FulfilmentMethod, FulfilmentMethodEnum, VariantType


def _resolve_error_variants(root: MutationError, _info: Any) -> list[str] | None:
    variant_ids = root.params.get("variants")
    return None if variant_ids is None else [to_global_id("Variant", pk) for pk in variant_ids]


CheckoutError = error_type(
    "CheckoutError",
    CheckoutErrorCode,
    variants=graphene.List(
        graphene.NonNull(graphene.ID),
        description="INSUFFICIENT_STOCK: the variants short of stock (null for other errors).",
    ),
    resolve_variants=staticmethod(_resolve_error_variants),
)


class ReservationExpiryByCheckoutIdLoader(DataLoader[uuid.UUID, datetime | None]):
    """When each checkout's earliest reservation expires (None without any)."""

    def batch_load(self, keys: Sequence[uuid.UUID]) -> list[datetime | None]:
        found = dict(
            Reservation.objects.filter(checkout_id__in=list(keys))
            .values("checkout_id")
            .annotate(first=Min("expires_at"))
            .values_list("checkout_id", "first")
        )
        return [found.get(key) for key in keys]


def checkout_pk(value: str) -> str:
    """A checkout's UUID from its global id (or the bare UUID); invalid ids give NOT_FOUND later."""
    try:
        type_name, raw = from_global_id(value)
        if type_name == "Checkout":
            return str(uuid.UUID(raw))
    except (ValueError, TypeError, UnicodeDecodeError):
        pass
    return value


def enum_value(value: Any) -> Any:
    return getattr(value, "value", value)


def decode_lines(lines: list[dict[str, Any]]) -> list[LineInput]:
    return [
        LineInput(
            variant_id=decode_id(line["variant_id"], "Variant", field="lines"),
            quantity=line["quantity"],
        )
        for line in lines
    ]


class CheckoutLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class CheckoutLineType(graphene.ObjectType):
    class Meta:
        name = "CheckoutLine"

    id = graphene.ID(required=True)
    variant = graphene.Field(VariantType, required=True)
    quantity = graphene.Int(required=True)
    unit_price = money_field("unit_price", required=True, description="Tax included.")
    total = money_field("total", required=True, description="Tax included.")
    vat_rate = graphene.Field(Decimal, required=True)
    vat = money_field("vat", required=True, description="VAT included in the total.")

    @staticmethod
    def resolve_id(root: LineSummary, _info: Any) -> str:
        return to_global_id("CheckoutLine", root.line.pk)

    @staticmethod
    def resolve_variant(root: LineSummary, _info: Any) -> Any:
        return root.variant


class ShopGroupType(graphene.ObjectType):
    class Meta:
        name = "CheckoutShopGroup"

    vendor = graphene.Field("marketplace.graphql.vendors.types.VendorType", required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLineType), required=True)
    subtotal = money_field("subtotal", required=True)
    delivery_method = graphene.Field(FulfilmentMethodEnum)
    delivery_fee = money_field("delivery_fee", required=True)
    delivery_methods = graphene.List(
        graphene.NonNull(FulfilmentMethod), required=True, description="What the shop offers."
    )
    vat = money_field(
        "vat",
        required=True,
        description="VAT included in the total, goods and delivery (the fee takes the goods' rates).",
    )
    total = money_field("total", required=True)

    @staticmethod
    def resolve_vendor(root: ShopGroup, _info: Any) -> Any:
        return root.vendor

    @staticmethod
    def resolve_delivery_methods(root: ShopGroup, _info: Any) -> Any:
        return [
            {"method": method, "fee": Money.of(fee, root.currency)}  # type: ignore[attr-defined]
            for method, fee in sorted(root.methods.items())
        ]


class CheckoutType(graphene.ObjectType):
    """A cart in one town. Every amount is computed by the server; prices are tax-included."""

    class Meta:
        name = "Checkout"

    id = graphene.ID(required=True, description="Global id; the guest's key to the checkout.")
    token = graphene.UUID(required=True, description="The checkout's UUID.")
    email = graphene.String(required=True)
    customer_name = graphene.String(
        required=True, description="Who the order is for (empty until given)."
    )
    phone = graphene.String(required=True, description="Empty when not given.")
    delivery_address = graphene.String(
        required=True, description="Empty when not given (or when no shop delivers)."
    )
    town = graphene.Field("marketplace.graphql.towns.types.TownType", required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLineType), required=True)
    shop_groups = graphene.List(graphene.NonNull(ShopGroupType), required=True)
    subtotal = money_field("subtotal", required=True)
    delivery_total = money_field("delivery_total", required=True)
    total = money_field("total", required=True)
    vat = money_field(
        "vat", required=True, description="VAT included in the total, goods and delivery."
    )
    reserved_until = graphene.DateTime(
        description="When the earliest stock reservation of this checkout expires."
    )

    @staticmethod
    def resolve_id(root: CheckoutSummary, _info: Any) -> str:
        return to_global_id("Checkout", str(root.checkout.pk))

    @staticmethod
    def resolve_token(root: CheckoutSummary, _info: Any) -> Any:
        return root.checkout.pk

    @staticmethod
    def resolve_email(root: CheckoutSummary, _info: Any) -> str:
        return root.checkout.email

    @staticmethod
    def resolve_customer_name(root: CheckoutSummary, _info: Any) -> str:
        return root.checkout.customer_name

    @staticmethod
    def resolve_phone(root: CheckoutSummary, _info: Any) -> str:
        return root.checkout.phone

    @staticmethod
    def resolve_delivery_address(root: CheckoutSummary, _info: Any) -> str:
        return root.checkout.delivery_address

    @staticmethod
    def resolve_town(root: CheckoutSummary, _info: Any) -> Any:
        return root.checkout.town

    @staticmethod
    def resolve_lines(root: CheckoutSummary, _info: Any) -> Any:
        return root.lines

    @staticmethod
    def resolve_shop_groups(root: CheckoutSummary, _info: Any) -> Any:
        return root.groups

    @staticmethod
    def resolve_reserved_until(root: CheckoutSummary, info: Any) -> Any:
        return ReservationExpiryByCheckoutIdLoader(info.context).load(root.checkout.pk)


def summary_for_graphql(info: Any, summary: CheckoutSummary) -> CheckoutSummary:
    """Stamps the currency on groups and lines, and primes the loaders with what was fetched."""
    variants = vendor_loaders.VariantByIdLoader(info.context)
    vendors = vendor_loaders.VendorByIdLoader(info.context)
    products = vendor_loaders.ProductByIdLoader(info.context)
    for group in summary.groups:
        group.currency = summary.currency  # type: ignore[attr-defined]
        vendors.prime(group.vendor.pk, group.vendor)
        for line in group.lines:
            line.currency = summary.currency  # type: ignore[attr-defined]
            variants.prime(line.variant.pk, line.variant)
            products.prime(line.variant.product_id, line.variant.product)
    return summary


def invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=CheckoutErrorCode.INVALID.value)})
