"""GraphQL queries and mutations of the payments domain."""

from __future__ import annotations

from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError

from marketplace.graphql.core.ids import decode_id_or_none
from marketplace.graphql.payments.mutations.shop_order_refund import ShopOrderRefund
from marketplace.graphql.payments.mutations.vendor_payment_onboard import VendorPaymentOnboard
from marketplace.graphql.payments.types import VendorPaymentAccountType
from marketplace.towns.access import is_town_staff
from payments.models import ConnectedAccount
from vendors.access import is_vendor_member
from vendors.models import Vendor


class Query(graphene.ObjectType):
    vendor_payment_account = graphene.Field(
        VendorPaymentAccountType,
        vendor=graphene.ID(required=True),
        description="A shop's payment account (its members and town staff); null before onboarding.",
    )

    @staticmethod
    def resolve_vendor_payment_account(_root: Any, info: Any, vendor: str) -> Any:
        vendor_id = decode_id_or_none(vendor, "Vendor")
        shop = (
            Vendor.objects.filter(pk=vendor_id).only("pk", "town_id").first()
            if vendor_id is not None
            else None
        )
        user = info.context.user
        if shop is None or not (
            is_vendor_member(user, shop.pk) or is_town_staff(user, shop.town_id)
        ):
            raise GraphQLError(
                _("Only the shop's members may see its payment account."),
                extensions={"code": "PERMISSION_DENIED"},
            )
        return ConnectedAccount.objects.filter(vendor_id=shop.pk).first()


class Mutation(graphene.ObjectType):
    vendor_payment_onboard = VendorPaymentOnboard.Field()
    shop_order_refund = ShopOrderRefund.Field()
