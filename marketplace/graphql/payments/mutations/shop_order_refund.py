from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import graphene
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.core.scalars import Decimal
from marketplace.graphql.orders.types import ShopOrderType
from marketplace.graphql.payments.types import PaymentError, RefundType
from marketplace.orders.models import ShopOrder
from marketplace.towns.access import is_town_staff
from payments.error_codes import PaymentErrorCode
from payments.refunds import shop_order_refund
from vendors.access import is_vendor_member


class ShopOrderRefund(BaseMutation):
    """Refund a shop order, fully or in part (its shop's members and town staff). The shop's
    transfer is reversed in proportion; the commission per the town's refund policy."""

    error_type_class = PaymentError

    class Arguments:
        id = graphene.ID(required=True)
        amount = Decimal(required=True, description='Amount to refund, e.g. "12.50".')
        reason = graphene.String(
            description="Why (at most 1,000 characters): kept, and told to the customer."
        )

    shop_order = graphene.Field(ShopOrderType)
    refund = graphene.Field(RefundType)

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, id: str, amount: D, reason: str | None = None
    ) -> dict[str, Any]:
        pk = decode_id(id, "ShopOrder")
        shop_order = ShopOrder.objects.select_related("order").filter(pk=pk).first()
        if shop_order is None:
            raise ValidationError(
                {
                    "id": ValidationError(
                        _("Shop order not found."), code=PaymentErrorCode.NOT_FOUND.value
                    )
                }
            )
        user = info.context.user
        by_staff = not is_vendor_member(user, shop_order.vendor_id)
        if by_staff and not is_town_staff(user, shop_order.order.town_id):
            raise PermissionDenied(_("Only the shop's members or town staff may refund."))
        refund = shop_order_refund(
            shop_order_id=shop_order.pk,
            amount=amount,
            user=user,
            reason=reason or "",
            by_staff=by_staff,
        )
        # Reloaded: the provider calls ran on commit (at once when Celery is eager).
        refund.refresh_from_db()
        return {"refund": refund, "shop_order": ShopOrder.objects.get(pk=shop_order.pk)}
