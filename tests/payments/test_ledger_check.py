"""manage.py ledger_check: every order and shop order against the ledger's invariants; each
violation printed, a non-zero exit, and daily by beat an email to the town's staff (#14)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from marketplace.orders.models import ShopOrder
from payments.ledger import ledger_record
from payments.ledger_check import ledger_check
from payments.models import LedgerEntry, Payment, Refund
from payments.refunds import shop_order_refund
from payments.tasks import ledger_check_daily
from payments.transfers import transfer_schedule
from tests.factories import OrderFactory, TownFactory, TownStaffFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit

pytestmark = pytest.mark.django_db


def _paid(client: Client, place: Any) -> ShopOrder:
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_l")))
    return ShopOrder.objects.select_related("order").get(order=order)


def _run() -> tuple[str, bool]:
    out = StringIO()
    try:
        call_command("ledger_check", stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_a_clean_ledger_passes(stripe: Any, client: Client) -> None:
    # given orders paid, transferred, refunded in part, and one never paid
    place = TownFactory()
    shop_order = _paid(client, place)
    with run_on_commit():
        transfer_schedule(shop_order_id=shop_order.pk)
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("12.34"))
    OrderFactory(town=place, shops=[(VendorFactory(town=place), "5.00", "0.00", "0.25")])

    # when the check runs, then it says so and exits 0
    assert _run() == ("ledger ok\n", True)


def test_each_violation_is_printed_and_the_command_fails(stripe: Any, client: Client) -> None:
    # given a paid, transferred shop order whose ledger lost its transfer entry and got a
    # refund no Refund row stands for
    place = TownFactory()
    shop_order = _paid(client, place)
    with run_on_commit():
        transfer_schedule(shop_order_id=shop_order.pk)
    transfer_entry = LedgerEntry.objects.get(kind="transfer")
    saved = {f.name: getattr(transfer_entry, f.name) for f in LedgerEntry._meta.fields}
    transfer_entry.delete()
    ledger_record(
        key="stray-refund",
        kind="refund",
        amount=Decimal("1.00"),
        currency="EUR",
        town_id=place.pk,
        order_id=shop_order.order_id,
        shop_order_id=shop_order.pk,
    )

    # when the check runs
    output, ok = _run()

    # then it prints each violation, naming the order and shop order, and fails
    assert not ok
    number = shop_order.order.number
    lines = output.splitlines()
    assert (
        f"order {number}: the customer paid 33.00 net in the ledger; goods + delivery − refunds = 34.00"
        in lines
    )
    assert any(
        line.startswith(f"order {number}: shop order {shop_order.pk}: transfers − reversals 0.00")
        for line in lines
    )
    assert any("owed to the shop" in line for line in lines)

    # (the ledger is put back for the check every scenario ends with)
    LedgerEntry.objects.filter(key="stray-refund").delete()
    LedgerEntry.objects.create(**saved)
    assert ledger_check() == []


def test_the_daily_check_emails_each_towns_staff_its_violations(
    stripe: Any, client: Client
) -> None:
    # given two towns with staff, one with a shop order whose refund share was tampered with
    place, other = TownFactory(), TownFactory()
    staff = TownStaffFactory(town=place).user
    TownStaffFactory(town=other)
    shop_order = _paid(client, place)
    _paid(client, other)
    with run_on_commit():
        refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("10.00"))
    Refund.objects.filter(pk=refund.pk).update(
        shop_share=Decimal("9.00"), commission_refunded=Decimal("1.00")
    )
    mail.outbox.clear()

    # when beat's daily task runs
    found = ledger_check_daily()

    # then only that town's staff get the violations
    assert found >= 1
    assert [message.to for message in mail.outbox] == [[staff.email]]
    assert f"order {shop_order.order.number}" in mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("Contrôle du grand livre")

    Refund.objects.filter(pk=refund.pk).update(
        shop_share=refund.shop_share, commission_refunded=refund.commission_refunded
    )
    assert ledger_check() == []
