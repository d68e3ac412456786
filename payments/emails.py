"""Refund emails to the customer and the shop, in the order's language (French by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from payments.models import Refund


def refund_notify(*, refund_id: int) -> int:
    """Tells the customer and the shop about a refund; returns how many emails went out."""
    refund = (
        Refund.objects.select_related("shop_order__order", "shop_order__vendor")
        .filter(pk=refund_id)
        .first()
    )
    if refund is None:
        return 0
    shop_order = refund.shop_order
    order = shop_order.order
    language = order.language if order.language in ("fr", "en") else "fr"
    sent = 0
    with translation.override(language):
        values = {
            "amount": refund.amount,
            "currency": refund.currency,
            "number": order.number,
            "shop": shop_order.vendor.name,
        }
        subject = _("Refund of %(amount)s %(currency)s on order %(number)s") % values
        customer_body = (
            _(
                "%(shop)s refunded %(amount)s %(currency)s on your order %(number)s. "
                "The money is returned to your card within a few days."
            )
            % values
        )
        sent += EmailMessage(
            subject, customer_body + "\n", settings.DEFAULT_FROM_EMAIL, [order.email]
        ).send()
        if shop_order.vendor.email:
            shop_body = _(
                "A refund of %(amount)s %(currency)s was made on order %(number)s; "
                "your share is %(share)s %(currency)s."
            ) % {**values, "share": refund.shop_share}
            sent += EmailMessage(
                subject, shop_body + "\n", settings.DEFAULT_FROM_EMAIL, [shop_order.vendor.email]
            ).send()
    return sent
