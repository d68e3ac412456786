"""GraphQL queries and mutations of the checkout domain."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied, ValidationError

from marketplace.checkout.access import checkout_get
from marketplace.checkout.pricing import checkout_summary
from marketplace.graphql.checkout.mutations.checkout_complete import CheckoutComplete
from marketplace.graphql.checkout.mutations.checkout_contact_update import CheckoutContactUpdate
from marketplace.graphql.checkout.mutations.checkout_create import CheckoutCreate
from marketplace.graphql.checkout.mutations.checkout_delivery_method_update import (
    CheckoutDeliveryMethodUpdate,
)
from marketplace.graphql.checkout.mutations.checkout_email_update import CheckoutEmailUpdate
from marketplace.graphql.checkout.mutations.checkout_line_delete import CheckoutLineDelete
from marketplace.graphql.checkout.mutations.checkout_lines_add import CheckoutLinesAdd
from marketplace.graphql.checkout.mutations.checkout_lines_update import CheckoutLinesUpdate
from marketplace.graphql.checkout.types import CheckoutType, checkout_pk, summary_for_graphql


class Query(graphene.ObjectType):
    checkout = graphene.Field(
        CheckoutType,
        id=graphene.ID(required=True),
        description="A checkout: a guest's by its id, a logged-in user's for that user only.",
    )

    @staticmethod
    def resolve_checkout(_root: Any, info: Any, id: str) -> Any:
        try:
            checkout = checkout_get(checkout_id=checkout_pk(id), user=info.context.user)
        except (ValidationError, PermissionDenied):
            return None
        return summary_for_graphql(info, checkout_summary(checkout=checkout))


class Mutation(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_line_delete = CheckoutLineDelete.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_email_update = CheckoutEmailUpdate.Field()
    checkout_contact_update = CheckoutContactUpdate.Field()
    checkout_complete = CheckoutComplete.Field()
