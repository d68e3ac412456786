"""What a refund would cost the shop, before anyone confirms it.

The split is the refund service's own (`refund_split`, with the same earlier refunds), so the
amount shown to the merchant is the amount `shop_order_refund` books.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.core.money import is_whole_cents
from marketplace.orders.models import ShopOrder
from marketplace.orders.transitions import REFUNDABLE_STATES
from payments.error_codes import PaymentErrorCode
from payments.models import Refund, RefundStatus
from payments.refunds import refund_split


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


def shop_order_refund_preview(*, shop_order_id: int, amount: Decimal) -> RefundPreview:
    """The shop's and the association's parts of a refund of `amount`; nothing is written."""
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
    if not amount.is_finite() or amount <= 0 or not is_whole_cents(amount):
        raise ValidationError(
            {
                "amount": ValidationError(
                    _("The amount must be positive, with at most two decimals."),
                    code=PaymentErrorCode.INVALID_AMOUNT.value,
                )
            }
        )
    if amount > remaining:
        raise ValidationError(
            {
                "amount": ValidationError(
                    _("At most %(remaining)s can still be refunded.") % {"remaining": remaining},
                    code=PaymentErrorCode.AMOUNT_TOO_LARGE.value,
                )
            }
        )
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
