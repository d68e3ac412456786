"""Renders and sends the order emails, in the order's language (French by default)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from marketplace.core.compiled import Slot, compiled_query
from marketplace.core.money import money_text
from marketplace.core.outbox import DeliveredInPart
from marketplace.orders.models import Order, ShopOrder
from vendors.models import FulfilmentMethodName

LANGUAGES = ("fr", "en")


# event -> who hears of it
CUSTOMER_EVENTS = frozenset(
    {"order_paid", "order_cancelled", "accepted", "refused", "ready", "fulfilled", "cancelled"}
)
SHOP_EVENTS = frozenset({"new_order", "cancelled"})


def _render(language: str, context: dict[str, object]) -> tuple[str, str]:
    subject = render_to_string(f"orders/email/{language}/subject.txt", context)
    body = render_to_string(f"orders/email/{language}/body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def _order_query() -> QuerySet[Order]:
    return Order.objects.select_related("town").filter(pk=Slot("order", Order._meta.pk))


def _shop_orders_query() -> QuerySet[ShopOrder]:
    return (
        ShopOrder.objects.select_related("vendor")
        .filter(order_id=Slot("order", Order._meta.pk))
        .order_by("pk")
    )


def order_notification_send(
    *,
    order_id: int,
    event: str,
    shop_order_id: int | None = None,
    done: Iterable[str] = (),
) -> int:
    """Sends the emails of one event; returns how many went out.

    "order_paid" also tells each shop of the order about its new shop order. The order (with its
    town) and the shop orders concerned (with their shops) are read once, in two queries; the
    emails are rendered in one activation of the order's language and sent over one connection.
    Each email has a key (`_email_key`): those in `done` were sent by an earlier try and are not
    sent again; when one fails after others went out, `DeliveredInPart` names those sent.
    """
    # Both queries compiled once per process (marketplace.core.compiled): every paid order's.
    found = compiled_query(("order_emails_order",), _order_query).run(order=order_id)
    if not found:
        return 0
    order = found[0]
    # (event, its shop order) of each email group.
    told: list[tuple[str, ShopOrder | None]]
    if event == "order_paid" and shop_order_id is None:
        shop_orders = compiled_query(("order_emails_shop_orders",), _shop_orders_query).run(
            order=order_id
        )
        told = [(event, None)] + [("new_order", so) for so in shop_orders]
    elif shop_order_id:
        shop_order = ShopOrder.objects.select_related("vendor").filter(pk=shop_order_id).first()
        told = [(event, shop_order)]
    else:
        told = [(event, None)]
    language = order.language if order.language in LANGUAGES else "fr"
    messages: list[tuple[str, EmailMessage]] = []
    with translation.override(language):
        # The customer's link to follow the order (the web shop's tracking page, by token).
        tracking_url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
            "storefront:order_track", kwargs={"token": order.token}
        )
        for told_event, shop_order in told:
            messages += _messages(order, told_event, shop_order, language, tracking_url)
    sent_before = frozenset(done)
    return _send_each([(key, m) for key, m in messages if key not in sent_before], sent_before)


def _send_each(messages: list[tuple[str, EmailMessage]], sent_before: frozenset[str]) -> int:
    """Sends the emails one by one over one connection; one that fails after others went out
    raises `DeliveredInPart` with the keys of all sent so far."""
    if not messages:
        return 0
    sent: list[str] = []
    try:
        with get_connection() as connection:
            for key, message in messages:
                connection.send_messages([message])
                sent.append(key)
    except Exception as error:
        if sent:
            raise DeliveredInPart(done={*sent_before, *sent}, error=error) from error
        raise
    return len(sent)


def _email_key(audience: str, shop_order: ShopOrder | None) -> str:
    """Names an email of an event: its audience, and the shop order it is about (an order's
    payment tells each of its shops)."""
    return audience if shop_order is None else f"{audience}:{shop_order.pk}"


def _messages(
    order: Order, event: str, shop_order: ShopOrder | None, language: str, tracking_url: str
) -> list[tuple[str, EmailMessage]]:
    if shop_order is not None:
        shop_order.order = order  # the order read once serves every email of the event
    delivery = ""
    if shop_order is not None and shop_order.delivery_method in FulfilmentMethodName.values:
        delivery = str(FulfilmentMethodName(shop_order.delivery_method).label)
    # Amounts as the reader's language writes them ("50,40 €"), in the language activated above.
    amounts = {"order_total": money_text(order.total, order.currency)}
    if shop_order is not None:
        amounts["subtotal"] = money_text(shop_order.subtotal, shop_order.currency)
        amounts["delivery_fee"] = money_text(shop_order.delivery_fee, shop_order.currency)
    context = {
        "event": event,
        "order": order,
        "shop_order": shop_order,
        "delivery": delivery,
        "amounts": amounts,
        "audience": "",
        "tracking_url": tracking_url,
    }
    messages = []
    if event in CUSTOMER_EVENTS:
        subject, body = _render(language, {**context, "audience": "customer"})
        messages.append(
            (
                _email_key("customer", shop_order),
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [order.email]),
            )
        )
    if event in SHOP_EVENTS and shop_order is not None and shop_order.vendor.email:
        subject, body = _render(language, {**context, "audience": "shop"})
        messages.append(
            (
                _email_key("shop", shop_order),
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [shop_order.vendor.email]),
            )
        )
    return messages
