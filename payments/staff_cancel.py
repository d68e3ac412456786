"""The town's staff cancel a shop's part of an order (the back office, the API).

They say why: the reason is required, and since it is told to the customer with the refund of
what was paid (`refunds.shop_order_refund_remaining` records it with who asked), it keeps to a
refund reason's length. Before they confirm, `shop_order_cancel_by_staff_preview` says what the
customer gets back; nothing is written.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.core.money import ZERO
from marketplace.orders.lifecycle import shop_order_cancel
from marketplace.orders.models import ShopOrder
from marketplace.orders.transitions import PAID_STATES, shop_order_may_be_cancelled
from payments.error_codes import PaymentErrorCode
from payments.refund_preview import shop_order_refundable_amount
from payments.refunds import refund_reason_clean


def _staff_reason(reason: str) -> str:
    reason = refund_reason_clean(reason)
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Say why this shop's part is cancelled: the customer and the shop read it."),
                    code=PaymentErrorCode.INVALID.value,
                )
            }
        )
    return reason


def shop_order_cancel_by_staff_preview(*, shop_order_id: int, reason: str) -> Decimal:
    """What the customer gets back if the staff cancel the shop order for `reason` (zero when it
    was not paid); refuses what `shop_order_cancel_by_staff` would refuse of the reason and of
    the shop order's state."""
    _staff_reason(reason)
    shop_order = ShopOrder.objects.filter(pk=shop_order_id).first()
    if shop_order is None:
        raise ValidationError(
            {
                "id": ValidationError(
                    _("Shop order not found."), code=PaymentErrorCode.NOT_FOUND.value
                )
            }
        )
    if not shop_order_may_be_cancelled(shop_order.status):
        raise ValidationError(
            {
                "id": ValidationError(
                    _("This shop's part can no longer be cancelled."),
                    code=PaymentErrorCode.INVALID.value,
                )
            }
        )
    if shop_order.status not in PAID_STATES:
        return ZERO
    return shop_order_refundable_amount(shop_order=shop_order)


def shop_order_cancel_by_staff(*, shop_order_id: int, reason: str, staff: Requester) -> ShopOrder:
    """Cancels the shop order for the town's staff member `staff`, for `reason` (required): its
    stock goes back, what was paid is refunded (asked by `staff`, for `reason`), the town's audit
    log records it."""
    return shop_order_cancel(shop_order_id=shop_order_id, reason=_staff_reason(reason), staff=staff)
