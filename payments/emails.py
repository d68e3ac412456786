"""Refund emails to the customer and the shop, in the order's language (French by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.core.money import money_text
from marketplace.towns.models import TownStaff
from payments.models import Payment, Refund


def _refund_with_its_order(refund_id: int) -> Refund | None:
    return (
        Refund.objects.select_related("shop_order__order", "shop_order__vendor")
        .filter(pk=refund_id)
        .first()
    )


# Who hears of a refund, each in an email of their own, each queued as its own outbox message:
# a retry after one email failed never sends the others again.
REFUND_AUDIENCES = ("customer", "shop")
REFUND_FAILED_AUDIENCES = ("customer", "shop_and_staff")


def refund_notify(*, refund_id: int, audience: str | None = None) -> int:
    """Tells the customer or the shop (`audience`; None, for messages queued before each had
    their own: both) about a refund; returns how many emails went out."""
    refund = _refund_with_its_order(refund_id)
    if refund is None:
        return 0
    shop_order = refund.shop_order
    order = shop_order.order
    language = order.language if order.language in ("fr", "en") else "fr"
    sent = 0
    with translation.override(language):
        values = {
            "amount": money_text(refund.amount, refund.currency),
            "number": order.number,
            "shop": shop_order.vendor.name,
        }
        subject = _("Refund of %(amount)s on order %(number)s") % values
        reason = _("Reason: %(reason)s") % {"reason": refund.reason} if refund.reason else ""
        if audience in (None, "customer"):
            customer_body = (
                _(
                    "%(shop)s refunded %(amount)s on your order %(number)s. "
                    "The money is returned to your card within a few days."
                )
                % values
            )
            if reason:
                customer_body += "\n" + reason
            sent += EmailMessage(
                subject, customer_body + "\n", settings.DEFAULT_FROM_EMAIL, [order.email]
            ).send()
        if audience in (None, "shop") and shop_order.vendor.email:
            shop_body = _(
                "A refund of %(amount)s was made on order %(number)s; your share is %(share)s."
            ) % {**values, "share": money_text(refund.shop_share, refund.currency)}
            if reason:
                shop_body += "\n" + reason
            sent += EmailMessage(
                subject, shop_body + "\n", settings.DEFAULT_FROM_EMAIL, [shop_order.vendor.email]
            ).send()
    return sent


def town_staff_emails(*, town_id: int) -> list[str]:
    """The addresses of the town's staff (administrators and moderators)."""
    return sorted(
        set(
            TownStaff.objects.filter(town_id=town_id)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def refund_failed_notify(*, refund_id: int, audience: str | None = None) -> int:
    """Tells the shop and the town's staff (`audience` "shop_and_staff") that a refund failed at
    the provider: the customer was not repaid and the shop order can be refunded again. Tells
    the customer ("customer") only when they had been told of the refund (it had succeeded:
    `refund_notify`). None (messages queued before each had their own): both. Returns how many
    emails went out."""
    refund = _refund_with_its_order(refund_id)
    if refund is None:
        return 0
    sent = 0
    if audience in (None, "customer") and refund.refund_id:
        sent += _refund_failed_tell_customer(refund)
    if audience in (None, "shop_and_staff"):
        sent += _refund_failed_tell_shop_and_staff(refund)
    return sent


def _refund_failed_tell_shop_and_staff(refund: Refund) -> int:
    shop_order = refund.shop_order
    recipients = [shop_order.vendor.email] if shop_order.vendor.email else []
    recipients += town_staff_emails(town_id=shop_order.order.town_id)
    if not recipients:
        return 0
    with translation.override("fr"):
        values = {
            "amount": money_text(refund.amount, refund.currency),
            "number": shop_order.order.number,
            "shop": shop_order.vendor.name,
            "error": refund.last_error or "-",
        }
        subject = _("Refund of %(amount)s failed on order %(number)s") % values
        body = (
            _(
                "The refund of %(amount)s on order %(number)s (%(shop)s) failed "
                "at the payment provider (%(error)s). The customer has not been repaid; what "
                "the refund had taken from the shop is given back. The order can be refunded "
                "again."
            )
            % values
        )
    return EmailMessage(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, recipients).send()


def _refund_failed_tell_customer(refund: Refund) -> int:
    order = refund.shop_order.order
    language = order.language if order.language in ("fr", "en") else "fr"
    with translation.override(language):
        values = {
            "amount": money_text(refund.amount, refund.currency),
            "number": order.number,
            "shop": refund.shop_order.vendor.name,
        }
        subject = _("Refund of %(amount)s not made on order %(number)s") % values
        body = (
            _(
                "The refund of %(amount)s from %(shop)s on your order %(number)s "
                "did not reach your card: your bank or the payment provider turned it down. "
                "The shop and the town's association have been told; they will refund you "
                "again or contact you."
            )
            % values
        )
    return EmailMessage(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, [order.email]).send()


def payment_review_notify(*, payment_id: int) -> int:
    """Asks the town's staff to look at money received that does not match its order."""
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None:
        return 0
    recipients = town_staff_emails(town_id=payment.order.town_id)
    if not recipients:
        return 0
    with translation.override("fr"):
        values = {
            "number": payment.order.number,
            "received": money_text(payment.mismatch_amount or 0, payment.currency),
            "amount": money_text(payment.amount, payment.currency),
        }
        subject = _("Payment to check on order %(number)s") % values
        body = (
            _(
                "%(received)s were received for order %(number)s, which costs "
                "%(amount)s. The order was not marked paid and the money received "
                "is refunded. Please check with the customer."
            )
            % values
        )
    return EmailMessage(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, recipients).send()


def ledger_check_notify(*, town_id: int, violations: list[str]) -> int:
    """Sends the ledger check's violations of a town to its staff."""
    recipients = town_staff_emails(town_id=town_id)
    if not recipients or not violations:
        return 0
    with translation.override("fr"):
        subject = _("Ledger check: %(count)s problem(s) to look at") % {"count": len(violations)}
        intro = _("The daily ledger check found these problems:")
    body = intro + "\n\n" + "\n".join(f"- {line}" for line in violations) + "\n"
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients).send()
