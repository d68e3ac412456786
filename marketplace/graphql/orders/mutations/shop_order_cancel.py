from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marketplace.graphql.orders.access import is_order_customer
from marketplace.graphql.orders.mutations._base import ShopOrderMutation
from marketplace.orders.lifecycle import shop_order_cancel
from marketplace.towns.access import is_town_staff
from payments.staff_cancel import shop_order_cancel_by_staff
from vendors.access import is_vendor_member


class ShopOrderCancel(ShopOrderMutation):
    """Cancel one shop order: by its shop, by town staff, or by the customer before the shop
    accepts it (a guest gives the order's token). Stock released; refunded if paid."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)
        token = graphene.UUID(description="The order's token, for a guest customer.")

    @classmethod
    def perform(
        cls, root: Any, info: Any, *, id: str, reason: str, token: Any = None
    ) -> dict[str, Any]:
        shop_order = cls.get_shop_order(id)
        user = info.context.user
        order = shop_order.order
        staff = None
        if is_vendor_member(user, shop_order.vendor_id):
            by_customer = False
        elif is_town_staff(user, order.town_id):
            by_customer, staff = False, user
        elif is_order_customer(user, order) or (
            token is not None and order.user_id is None and str(token) == str(order.token)
        ):
            by_customer = True
        else:
            raise PermissionDenied(_("You may not cancel this order."))
        if staff is not None:  # a reason required, kept on the refund with who asked
            return {
                "shop_order": shop_order_cancel_by_staff(
                    shop_order_id=shop_order.pk, reason=reason, staff=staff
                )
            }
        return {
            "shop_order": shop_order_cancel(
                shop_order_id=shop_order.pk, reason=reason, by_customer=by_customer
            )
        }
