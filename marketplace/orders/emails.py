"""Renders and sends the order emails, in the order's language (French by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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


def order_notification_send(*, order_id: int, event: str, shop_order_id: int | None = None) -> int:
    """Sends the emails of one event; returns how many went out.

    "order_paid" also tells each shop of the order about its new shop order.
    """
    if event == "order_paid" and shop_order_id is None:
        sent = _send(order_id=order_id, event=event, shop_order_id=None)
        for pk in (
            ShopOrder.objects.filter(order_id=order_id).order_by("pk").values_list("pk", flat=True)
        ):
            sent += _send(order_id=order_id, event="new_order", shop_order_id=pk)
        return sent
    return _send(order_id=order_id, event=event, shop_order_id=shop_order_id)


def _send(*, order_id: int, event: str, shop_order_id: int | None) -> int:
    order = Order.objects.select_related("town").filter(pk=order_id).first()
    if order is None:
        return 0
    shop_order = (
        ShopOrder.objects.select_related("vendor").filter(pk=shop_order_id).first()
        if shop_order_id
        else None
    )
    language = order.language if order.language in LANGUAGES else "fr"
    sent = 0
    with translation.override(language):
        delivery = ""
        if shop_order is not None and shop_order.delivery_method in FulfilmentMethodName.values:
            delivery = str(FulfilmentMethodName(shop_order.delivery_method).label)
        context = {
            "event": event,
            "order": order,
            "shop_order": shop_order,
            "delivery": delivery,
            "audience": "",
            # The customer's link to follow the order (the web shop's tracking page, by token).
            "tracking_url": settings.PUBLIC_BASE_URL.rstrip("/")
            + reverse("storefront:order_track", kwargs={"token": order.token}),
        }
        if event in CUSTOMER_EVENTS:
            subject, body = _render(language, {**context, "audience": "customer"})
            sent += EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [order.email]).send()
        if event in SHOP_EVENTS and shop_order is not None and shop_order.vendor.email:
            subject, body = _render(language, {**context, "audience": "shop"})
            sent += EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [shop_order.vendor.email]
            ).send()
    return sent
