"""The town's staff cancel a shop's part of a paid order: they must say why, and the refund of
what was paid records who asked and why, whichever path they took (back office or API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import outbox_message_deliver
from marketplace.governance.models import AuditEntry
from marketplace.orders.lifecycle import shop_order_cancel
from marketplace.orders.models import ShopOrder
from marketplace.towns.models import TownStaffRole
from payments.models import Payment, Refund
from payments.refund_preview import shop_order_refund_preview
from payments.refunds import shop_order_refund
from payments.staff_cancel import shop_order_cancel_by_staff, shop_order_cancel_by_staff_preview
from tests.checkout.helpers import gid
from tests.factories import OrderFactory, TownFactory, TownStaffFactory, UserFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit

pytestmark = pytest.mark.django_db


def _paid(client: Client) -> ShopOrder:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "20.00", "1.30", "1.00")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_s")))
    return ShopOrder.objects.select_related("order").get(order=order)


def _staff(shop_order: ShopOrder) -> Any:
    user = UserFactory(email="moderation@example.org")
    TownStaffFactory(town=shop_order.order.town, user=user, role=TownStaffRole.MODERATOR)
    return user


def _errors(error: ValidationError) -> dict[str, list[tuple[str | None, str]]]:
    return {
        field: [(item.code, item.messages[0]) for item in items]
        for field, items in error.error_dict.items()
    }


def test_the_staffs_cancellation_is_refunded_as_asked_by_them_for_their_reason(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order of 21.30 and a moderator of its town
    shop_order = _paid(client)
    moderator = _staff(shop_order)

    # when the moderator looks before cancelling, then cancels, saying why
    before = shop_order_cancel_by_staff_preview(
        shop_order_id=shop_order.pk, reason="Commerce fermé pour travaux"
    )
    with run_on_commit():
        shop_order_cancel_by_staff(
            shop_order_id=shop_order.pk, reason="  Commerce fermé pour travaux ", staff=moderator
        )

    # then the preview said what the customer gets back, and the refund of it says who and why
    assert before == Decimal("21.30")
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by, refund.reason) == (
        Decimal("21.30"),
        moderator,
        "Commerce fermé pour travaux",
    )
    entry = AuditEntry.objects.get(action="shop_order.cancel")
    assert (entry.actor, entry.reason) == (moderator, "Commerce fermé pour travaux")


def test_a_cancellation_by_staff_through_the_api_service_records_them_on_the_refund(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order; the API's path: the orders service with `staff`
    shop_order = _paid(client)
    moderator = _staff(shop_order)

    with run_on_commit():
        shop_order_cancel(shop_order_id=shop_order.pk, reason="Rupture de stock", staff=moderator)

    refund = Refund.objects.get()
    assert (refund.requested_by, refund.reason) == (moderator, "Rupture de stock")


def test_the_refund_queued_by_a_staff_cancellation_carries_who_asked_and_why(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order cancelled by a moderator, its refund not run yet
    shop_order = _paid(client)
    moderator = _staff(shop_order)
    shop_order_cancel(shop_order_id=shop_order.pk, reason="Rupture de stock", staff=moderator)

    # then the refund's outbox message says who asked it and why: the refund needs no other
    # record (the audit log may be written to by anyone meanwhile)
    message = OutboxMessage.objects.get(task_name="payments.tasks.refund_cancelled_shop_order")
    assert message.kwargs == {
        "shop_order_id": shop_order.pk,
        "requested_by_id": moderator.pk,
        "reason": "Rupture de stock",
    }
    AuditEntry.objects.all().delete()
    assert outbox_message_deliver(message_id=message.pk) == "delivered"
    refund = Refund.objects.get()
    assert (refund.requested_by, refund.reason) == (moderator, "Rupture de stock")


def test_a_customers_cancellation_is_refunded_with_no_staff_on_it(
    stripe: Any, client: Client
) -> None:
    shop_order = _paid(client)

    with run_on_commit():
        shop_order_cancel(shop_order_id=shop_order.pk, reason="", by_customer=True)

    refund = Refund.objects.get()
    assert (refund.requested_by, refund.reason) == (None, "")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_staff_cannot_cancel_without_a_reason_or_with_a_too_long_one(
    stripe: Any, client: Client, reason: str
) -> None:
    shop_order = _paid(client)
    moderator = _staff(shop_order)

    with translation.override("fr"), pytest.raises(ValidationError) as preview:
        shop_order_cancel_by_staff_preview(shop_order_id=shop_order.pk, reason=reason)
    with translation.override("fr"), pytest.raises(ValidationError) as cancel:
        shop_order_cancel_by_staff(shop_order_id=shop_order.pk, reason=reason, staff=moderator)

    expected = (
        "Le motif peut compter au plus 500 caractères (il en compte 501)."
        if reason and reason.strip()
        else "Indiquez pourquoi la partie de ce commerce est annulée : le client et le commerce le liront."
    )
    assert _errors(preview.value) == _errors(cancel.value) == {"reason": [("INVALID", expected)]}
    shop_order.refresh_from_db()
    assert shop_order.status == "paid"
    assert not Refund.objects.exists() and not AuditEntry.objects.exists()


def test_a_refunds_reason_keeps_to_500_characters_on_every_path(
    stripe: Any, client: Client
) -> None:
    shop_order = _paid(client)

    with translation.override("fr"), pytest.raises(ValidationError) as refund:
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("1.00"), reason="é" * 600)
    with translation.override("fr"), pytest.raises(ValidationError) as preview:
        shop_order_refund_preview(
            shop_order_id=shop_order.pk, amount=Decimal("1.00"), reason="é" * 600
        )
    kept = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("1.00"), reason="é" * 500)

    message = "Le motif peut compter au plus 500 caractères (il en compte 600)."
    assert _errors(refund.value) == _errors(preview.value) == {"reason": [("INVALID", message)]}
    assert list(Refund.objects.values_list("pk", flat=True)) == [kept.pk]


def test_amounts_in_the_refund_services_messages_are_written_the_french_way(
    stripe: Any, client: Client
) -> None:
    shop_order = _paid(client)

    with translation.override("fr"), pytest.raises(ValidationError) as refund:
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("21.31"), reason="x")
    with translation.override("fr"), pytest.raises(ValidationError) as preview:
        shop_order_refund_preview(shop_order_id=shop_order.pk, amount=Decimal("21.31"))

    message = "Il reste au plus 21,30\u00a0€ à rembourser."
    assert (
        _errors(refund.value)
        == _errors(preview.value)
        == {"amount": [("AMOUNT_TOO_LARGE", message)]}
    )


STAFF_CANCEL = """
mutation($id: ID!, $reason: String!) {
  shopOrderCancel(id: $id, reason: $reason) {
    shopOrder { status } errors { field code message }
  }
}"""


def test_through_the_api_too_the_staff_must_say_why(stripe: Any, client: Client, gql: Any) -> None:
    shop_order = _paid(client)
    moderator = _staff(shop_order)
    shop_order_id = gid("ShopOrder", shop_order.pk)
    gql.login(moderator)

    empty = gql.execute(STAFF_CANCEL, {"id": shop_order_id, "reason": "  "})["shopOrderCancel"]
    with run_on_commit():
        told = gql.execute(STAFF_CANCEL, {"id": shop_order_id, "reason": "Fraude"})[
            "shopOrderCancel"
        ]

    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("reason", "INVALID")]
    assert told == {"shopOrder": {"status": "CANCELLED"}, "errors": []}
    refund = Refund.objects.get()
    assert (refund.requested_by, refund.reason) == (moderator, "Fraude")
