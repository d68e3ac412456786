"""Who sees which order (GraphQL side; the lifecycle services check nothing about people)."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.requester import Requester
from marketplace.orders.models import Order, ShopOrder
from marketplace.towns.access import is_town_staff
from vendors.access import is_vendor_member


def is_order_customer(user: Requester | None, order: Order) -> bool:
    return user is not None and user.is_authenticated and order.user_id == user.pk


def can_see_order(info: Any, order: Order) -> bool:
    user = info.context.user
    return (
        is_order_customer(user, order)
        or order.pk in getattr(info.context, "_order_tokens", set())
        or is_town_staff(user, order.town_id)
    )


def can_see_shop_order(info: Any, shop_order: ShopOrder) -> bool:
    user = info.context.user
    return is_vendor_member(user, shop_order.vendor_id) or can_see_order(info, shop_order.order)
