from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.delivery import checkout_delivery_method_update
from marketplace.graphql.checkout.mutations._base import CheckoutMutation
from marketplace.graphql.checkout.types import checkout_pk, enum_value
from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.vendors.types import FulfilmentMethodEnum


class CheckoutDeliveryMethodUpdate(CheckoutMutation):
    """Choose how one shop's lines reach the customer, among the methods that shop offers."""

    class Arguments:
        id = graphene.ID(required=True)
        vendor = graphene.ID(required=True)
        method = FulfilmentMethodEnum(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, vendor: str, method: Any) -> dict[str, Any]:
        checkout = checkout_delivery_method_update(
            checkout_id=checkout_pk(id),
            user=info.context.user,
            vendor_id=decode_id(vendor, "Vendor", field="vendor"),
            method=enum_value(method),
        )
        return cls.payload(info, checkout)
