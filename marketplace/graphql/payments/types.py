"""GraphQL types of the payments domain."""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from marketplace.graphql.core.errors import error_type
from marketplace.graphql.core.scalars import money_field
from payments.error_codes import PaymentErrorCode
from payments.models import ConnectedAccount, Refund, RefundStatus

PaymentError = error_type("PaymentError", PaymentErrorCode)
RefundStatusEnum = graphene.Enum.from_enum(RefundStatus, name="RefundStatus")


class VendorPaymentAccountType(graphene.ObjectType):
    """Whether a shop can be paid (its Stripe Connect account)."""

    class Meta:
        name = "VendorPaymentAccount"

    account_id = graphene.String(required=True)
    charges_enabled = graphene.Boolean(required=True)
    payouts_enabled = graphene.Boolean(required=True)
    details_submitted = graphene.Boolean(required=True)
    can_receive_transfers = graphene.Boolean(required=True)
    requirements_due = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    def resolve_can_receive_transfers(root: ConnectedAccount, _info: Any) -> bool:
        return root.can_receive_transfers


class RefundType(graphene.ObjectType):
    class Meta:
        name = "Refund"
        interfaces = (relay.Node,)
        possible_types = (Refund,)

    sequence = graphene.Int(required=True)
    status = graphene.Field(RefundStatusEnum, required=True)
    amount = money_field("amount", required=True)
    shop_share = money_field("shop_share", required=True, description="Borne by the shop.")
    commission_refunded = money_field(
        "commission_refunded",
        required=True,
        description="Commission given back by the association.",
    )
    reason = graphene.String(required=True, description='Why it was refunded ("" if not told).')
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        return None  # reached through its shop order only

    @staticmethod
    def resolve_status(root: Refund, _info: Any) -> Any:
        return RefundStatusEnum.get(root.status)
