from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.complete import checkout_complete
from marketplace.graphql.checkout.types import CheckoutError, checkout_pk
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.orders.types import OrderType


class PaymentStartType(graphene.ObjectType):
    class Meta:
        name = "PaymentStart"

    gateway = graphene.String(required=True, description='"dummy" or "stripe".')
    status = graphene.String(required=True, description='"pending", "succeeded" or "failed".')
    client_secret = graphene.String(description="For Stripe's Payment Element.")


class CheckoutComplete(BaseMutation):
    """Turn the checkout into an order (one per shop inside) and start its payment.

    Completing the same checkout again returns the same order, with `payment` null.
    """

    error_type_class = CheckoutError

    class Arguments:
        id = graphene.ID(required=True)

    order = graphene.Field(OrderType)
    payment = graphene.Field(PaymentStartType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str) -> dict[str, Any]:
        result = checkout_complete(checkout_id=checkout_pk(id), user=info.context.user)
        if result.order.user_id is None:
            # The guest's key to follow the order, shown to whoever holds the checkout id.
            info.context._order_tokens = {result.order.pk}
        return {"order": result.order, "payment": result.payment}
