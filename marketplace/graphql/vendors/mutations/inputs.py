"""Input types shared by the merchant mutations."""

from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.core.scalars import Decimal, GeoPointInput
from marketplace.graphql.vendors.access import enum_value
from marketplace.graphql.vendors.types import FulfilmentMethodEnum


class AddressInput(graphene.InputObjectType):
    street = graphene.String()
    postal_code = graphene.String()
    city = graphene.String()
    country = graphene.String(description="Two-letter code, FR by default.")


class FulfilmentMethodInput(graphene.InputObjectType):
    method = FulfilmentMethodEnum(required=True)
    fee = Decimal(description="In the town's currency; 0 by default.")


class VendorProfileInput(graphene.InputObjectType):
    name = graphene.String()
    slug = graphene.String(description="Unique within the town.")
    email = graphene.String()
    phone = graphene.String()
    description = graphene.String()
    address = AddressInput()
    location = GeoPointInput()
    opening_hours = graphene.JSONString(
        description='{"mon": "09:00-12:00,14:00-19:00", ..., "sun": null}'
    )
    fulfilment_methods = graphene.List(
        graphene.NonNull(FulfilmentMethodInput), description="Replaces the whole set."
    )


class VariantInput(graphene.InputObjectType):
    id = graphene.ID(description="productUpdate: the variant to change; omit to add one.")
    sku = graphene.String()
    name = graphene.String()
    price = Decimal(description="Tax included, in the town's currency, > 0, cents at most.")
    stock = graphene.Int(description="Units on hand (sets the stock).")
    low_stock_threshold = graphene.Int(description="Email the shop once below it; null: never.")


def profile_data(data: dict[str, Any]) -> dict[str, Any]:
    """Plain dicts and enum values from a VendorProfileInput."""
    result = {key: value for key, value in dict(data).items()}
    for key in ("address", "location"):
        if result.get(key) is not None:
            result[key] = dict(result[key])
    if result.get("fulfilment_methods") is not None:
        result["fulfilment_methods"] = [
            {"method": enum_value(item["method"]), "fee": item.get("fee")}
            for item in result["fulfilment_methods"]
        ]
    return result


def variant_data(item: dict[str, Any]) -> dict[str, Any]:
    """A VariantInput as a dict; a low_stock_threshold set to null is kept (clears it)."""
    return {key: value for key, value in dict(item).items() if key != "id"}
