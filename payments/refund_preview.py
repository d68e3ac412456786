"""What a refund would cost the shop, before anyone confirms it.

The split is the refund service's own (`refund_split`, with the same earlier refunds), so the
amount shown to the merchant is the amount `shop_order_refund` books.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.orders.models import ShopOrder
from marketplace.orders.transitions import REFUNDABLE_STATES
from payments.error_codes import PaymentErrorCode
from payments.models import Refund, RefundStatus
from payments.refunds import (
    refund_amount_check,
    refund_amount_too_large,
    refund_reason_clean,
    refund_split,
)


@dataclass(frozen=True)
class RefundPreview:
    amount: Decimal
    currency: str
    shop_share: Decimal
    commission_refunded: Decimal
    remaining: Decimal


def shop_order_refundable_amount(*, shop_order: ShopOrder) -> Decimal:
    """What can still be refunded of the shop order (goods + delivery − refunded so far)."""
    return shop_order.subtotal + shop_order.delivery_fee - shop_order.refunded_amount


def shop_order_may_be_refunded(*, shop_order: ShopOrder) -> bool:
    """Whether to offer a refund of the shop order: paid once (REFUNDABLE_STATES) and not all
    refunded yet (`shop_order_refund` says why when it refuses one all the same)."""
    return (
        shop_order.status in REFUNDABLE_STATES
        and shop_order_refundable_amount(shop_order=shop_order) > 0
    )


def refund_preview_confirmed(*, previewed_amount: str, amount: Decimal) -> bool:
    """Whether a confirmation is for the very amount whose preview was shown (`previewed_amount`,
    as the preview's hidden field wrote it): an amount changed on the confirm step, or no preview
    at all, is previewed again, never refunded."""
    try:
        return Decimal(previewed_amount) == amount
    except InvalidOperation:  # no preview, or a value no preview wrote (sNaN included)
        return False


def shop_order_refund_preview(
    *, shop_order_id: int, amount: Decimal, reason: str = ""
) -> RefundPreview:
    """The shop's and the association's parts of a refund of `amount`; nothing is written.
    Refuses what `shop_order_refund` would refuse of the amount and the `reason`."""
    refund_reason_clean(reason)
    shop_order = ShopOrder.objects.select_related("order").filter(pk=shop_order_id).first()
    if shop_order is None:
        raise ValidationError(
            {
                "id": ValidationError(
                    _("Shop order not found."), code=PaymentErrorCode.NOT_FOUND.value
                )
            }
        )
    remaining = shop_order_refundable_amount(shop_order=shop_order)
    refund_amount_check(amount)
    if amount > remaining:
        raise refund_amount_too_large(remaining=remaining, currency=shop_order.currency)
    previous = list(
        Refund.objects.filter(shop_order_id=shop_order.pk)
        .exclude(status=RefundStatus.FAILED)
        .order_by("sequence")
    )
    shop_share, commission = refund_split(shop_order=shop_order, amount=amount, previous=previous)
    return RefundPreview(
        amount=amount,
        currency=shop_order.currency,
        shop_share=shop_share,
        commission_refunded=commission,
        remaining=remaining,
    )
