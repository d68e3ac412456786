from __future__ import annotations

from typing import Any

import graphene

from marketplace.checkout.models import Checkout
from marketplace.checkout.pricing import checkout_summary
from marketplace.graphql.checkout.types import CheckoutError, CheckoutType, summary_for_graphql
from marketplace.graphql.core.mutations import BaseMutation


class CheckoutMutation(BaseMutation):
    """A checkout mutation: returns the checkout, recomputed by the server."""

    error_type_class = CheckoutError

    class Meta:
        abstract = True

    checkout = graphene.Field(CheckoutType)

    @staticmethod
    def payload(info: Any, checkout: Checkout) -> dict[str, Any]:
        return {"checkout": summary_for_graphql(info, checkout_summary(checkout=checkout))}
