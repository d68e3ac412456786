from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.orders.access import is_order_customer
from marketplace.graphql.orders.types import OrderError, OrderType
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import Order
from marketplace.towns.access import is_town_staff
from payments.charges import order_cancel_before_payment


class OrderCancel(BaseMutation):
    """Give up an order that is not paid yet: its payment is canceled, every shop order
    cancelled and the stock released. By the customer (a guest gives the order's token) or town
    staff. A paid order's shop orders are cancelled one by one (shopOrderCancel)."""

    error_type_class = OrderError

    class Arguments:
        id = graphene.ID(required=True)
        token = graphene.UUID(description="The order's token, for a guest customer.")

    order = graphene.Field(OrderType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, id: str, token: Any = None) -> dict[str, Any]:
        order = Order.objects.filter(pk=decode_id(id, "Order")).first()
        if order is None:
            raise ValidationError(
                {"id": ValidationError(_("Order not found."), code=OrderErrorCode.NOT_FOUND.value)}
            )
        user = info.context.user
        by_guest = token is not None and order.user_id is None and str(token) == str(order.token)
        by_customer = by_guest or is_order_customer(user, order)
        if not (by_customer or is_town_staff(user, order.town_id)):
            raise PermissionDenied(_("You may not cancel this order."))
        if by_guest:  # the payload may show the order to the token's holder
            info.context._order_tokens = getattr(info.context, "_order_tokens", set()) | {order.pk}
        if by_customer:
            cancelled = order_cancel_before_payment(
                order_id=order.pk, reason="cancelled_by_customer"
            )
        else:
            cancelled = order_cancel_before_payment(
                order_id=order.pk, reason="cancelled_by_staff", staff=user
            )
        return {"order": cancelled}
