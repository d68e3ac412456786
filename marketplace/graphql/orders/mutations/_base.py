from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.orders.types import OrderError, ShopOrderType
from marketplace.orders.error_codes import OrderErrorCode
from marketplace.orders.models import ShopOrder
from vendors.access import is_vendor_member


class ShopOrderMutation(BaseMutation):
    error_type_class = OrderError

    class Meta:
        abstract = True

    shop_order = graphene.Field(ShopOrderType)

    @staticmethod
    def get_shop_order(global_id: str) -> ShopOrder:
        pk = decode_id(global_id, "ShopOrder")
        shop_order = ShopOrder.objects.select_related("order").filter(pk=pk).first()
        if shop_order is None:
            raise ValidationError(
                {
                    "id": ValidationError(
                        _("Shop order not found."), code=OrderErrorCode.NOT_FOUND.value
                    )
                }
            )
        return shop_order

    @classmethod
    def get_for_member(cls, info: Any, global_id: str) -> ShopOrder:
        shop_order = cls.get_shop_order(global_id)
        if not is_vendor_member(info.context.user, shop_order.vendor_id):
            raise PermissionDenied(_("Only the shop's members may do this."))
        return shop_order
