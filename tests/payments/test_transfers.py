"""Transfers wait for shops that cannot be paid; the trigger is configurable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.governance.models import TownSettings
from marketplace.orders.lifecycle import (
    shop_order_accept,
    shop_order_cancel,
    shop_order_fulfil,
    shop_order_mark_ready,
)
from marketplace.orders.models import ShopOrder
from payments.ledger import ledger_record
from payments.models import ConnectedAccount, LedgerEntry, Payment, Transfer
from payments.refunds import shop_order_refund
from payments.tasks import retry_pending_transfers
from payments.transfers import transfer_schedule
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db


def _pay(client: Client, order: Any) -> None:
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_t")))


def _fulfil(shop_order: ShopOrder) -> None:
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        shop_order_fulfil(shop_order_id=shop_order.pk)


def test_a_shop_that_cannot_be_paid_still_sells_and_its_transfer_waits(
    stripe: Any, client: Client
) -> None:
    # given a shop whose onboarding is not finished, and a paid order of it
    place = TownFactory()
    vendor = VendorFactory(town=place)
    ConnectedAccount.objects.create(vendor=vendor, gateway="stripe", account_id="acct_wait")
    order = OrderFactory(town=place, shops=[(vendor, "50.00", "5.00", "2.50")])
    _pay(client, order)
    shop_order = ShopOrder.objects.get(order=order)

    # when the shop order is fulfilled
    _fulfil(shop_order)

    # then the transfer waits, and the beat does not send it either
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.amount, transfer.attempts) == (
        "waiting",
        Decimal("52.50"),
        0,
    )
    with run_on_commit():
        retry_pending_transfers()
    transfer.refresh_from_db()
    assert transfer.status == "waiting"

    # when Stripe says the account can now be paid
    account = {
        "id": "acct_wait",
        "object": "account",
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "requirements": {"currently_due": []},
    }
    post_event(client, event("account.updated", account))

    # then the transfer goes out
    transfer.refresh_from_db()
    assert (transfer.status, transfer.attempts) == ("sent", 1)
    assert LedgerEntry.objects.filter(kind="transfer").get().amount == Decimal("52.50")
    assert_ledger_invariants()


def test_with_the_payment_trigger_shops_are_paid_when_the_payment_succeeds(
    stripe: Any, client: Client
) -> None:
    # given transfers at payment, and a 2-shop order
    stripe.TRANSFER_TRIGGER = "payment"
    place = TownFactory()
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    for vendor in vendors:
        payable(vendor)
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "10.00", "0.00", "0.50"), (vendors[1], "8.40", "2.00", "0.42")],
    )

    # when the payment succeeds
    _pay(client, order)

    # then both shops are paid at once
    assert sorted(Transfer.objects.values_list("status", "amount")) == [
        ("sent", Decimal("9.50")),
        ("sent", Decimal("9.98")),
    ]
    assert_ledger_invariants()


def test_a_refund_before_the_transfer_lowers_the_transfer(stripe: Any, client: Client) -> None:
    # given a paid shop order of 40.00 (commission 2.00) refunded 10.00 before fulfilment

    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "40.00", "0.00", "2.00")])
    _pay(client, order)
    shop_order = ShopOrder.objects.get(order=order)
    with run_on_commit():
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("10.00"))

    # when it is fulfilled
    _fulfil(shop_order)

    # then the shop receives its payout less its share of the refund, nothing to reverse
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.amount, transfer.reversed_amount) == (
        "sent",
        Decimal("28.50"),  # 38.00 - (10.00 - 0.50)
        Decimal("0.00"),
    )
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0
    assert_ledger_invariants()


def test_a_paid_shop_order_cancelled_is_refunded_in_full_and_never_transferred(
    stripe: Any, client: Client
) -> None:
    # given a paid 2-shop order

    place = TownFactory()
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "10.00", "0.00", "0.50"), (vendors[1], "20.00", "0.00", "1.00")],
    )
    _pay(client, order)
    first = ShopOrder.objects.get(order=order, vendor=vendors[0])

    # when the first shop cancels its part
    with run_on_commit():
        shop_order_cancel(shop_order_id=first.pk, reason="rupture")

    # then that part only is refunded in full, and no transfer is ever made for it
    first.refresh_from_db()
    assert (first.status, first.refunded_amount) == ("cancelled", Decimal("10.00"))
    refund = first.refunds.get()
    assert (refund.amount, refund.shop_share, refund.commission_refunded, refund.status) == (
        Decimal("10.00"),
        Decimal("9.50"),
        Decimal("0.50"),
        "succeeded",
    )

    assert transfer_schedule(shop_order_id=first.pk) is None
    second = ShopOrder.objects.get(order=order, vendor=vendors[1])
    assert second.refunded_amount == Decimal("0")

    # and the other shop, once it fulfils its part, is to be paid its whole payout
    _fulfil(second)
    assert Transfer.objects.get(shop_order=second).amount == Decimal("19.00")
    assert_ledger_invariants()


def test_when_shops_bear_stripe_fees_their_part_is_kept_from_the_transfer(
    stripe: Any, client: Client
) -> None:
    # given a town where shops bear Stripe's fees, a paid 2-shop order of 30.00, and Stripe's
    # fee of 0.95 on its charge (stripe-mock's fixture fee is 0: the fee is set as Stripe would)

    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    for vendor in vendors:
        payable(vendor)
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "20.00", "0.00", "1.00"), (vendors[1], "10.00", "0.00", "0.50")],
    )
    _pay(client, order)
    payment = Payment.objects.get(order=order)
    Payment.objects.filter(pk=payment.pk).update(fee=Decimal("0.95"))
    ledger_record(
        key=f"stripe_fee:{payment.pk}",
        kind="stripe_fee",
        amount=Decimal("0.95"),
        currency="EUR",
        town_id=place.pk,
        order_id=order.pk,
    )

    # when both parts are transferred
    with run_on_commit():
        for shop_order in ShopOrder.objects.filter(order=order).order_by("pk"):
            transfer_schedule(shop_order_id=shop_order.pk)

    # then each shop's part of the fee (in proportion, rounded down) is kept from its transfer
    assert list(Transfer.objects.order_by("pk").values_list("status", "amount")) == [
        ("sent", Decimal("18.37")),  # 19.00 - 0.63 (0.95 x 20/30 = 0.633)
        ("sent", Decimal("9.19")),  # 9.50 - 0.31 (0.95 x 10/30 = 0.316)
    ]
    assert list(
        LedgerEntry.objects.filter(kind="fee_recharge")
        .order_by("pk")
        .values_list("amount", flat=True)
    ) == [Decimal("0.63"), Decimal("0.31")]
    assert_ledger_invariants()


def test_a_shops_part_of_stripes_fee_counts_its_delivery_fee(stripe: Any, client: Client) -> None:
    # given a town where shops bear Stripe's fees, a paid 2-shop order of 34.00 (the first part
    # 20.00 of goods and 4.00 of delivery), and Stripe's fee of 1.02 on its charge
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    for vendor in vendors:
        payable(vendor)
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "20.00", "4.00", "1.00"), (vendors[1], "10.00", "0.00", "0.50")],
    )
    _pay(client, order)
    payment = Payment.objects.get(order=order)
    Payment.objects.filter(pk=payment.pk).update(fee=Decimal("1.02"))
    ledger_record(
        key=f"stripe_fee:{payment.pk}",
        kind="stripe_fee",
        amount=Decimal("1.02"),
        currency="EUR",
        town_id=place.pk,
        order_id=order.pk,
    )

    # when both parts are transferred
    with run_on_commit():
        for shop_order in ShopOrder.objects.filter(order=order).order_by("pk"):
            transfer_schedule(shop_order_id=shop_order.pk)

    # then each part of the fee is in proportion to what the customer paid that shop, delivery
    # included: 1.02 x 24/34 = 0.72 and 1.02 x 10/34 = 0.30
    assert list(Transfer.objects.order_by("pk").values_list("status", "amount")) == [
        ("sent", Decimal("22.28")),  # 23.00 - 0.72
        ("sent", Decimal("9.20")),  # 9.50 - 0.30
    ]
    assert list(
        LedgerEntry.objects.filter(kind="fee_recharge")
        .order_by("pk")
        .values_list("amount", flat=True)
    ) == [Decimal("0.72"), Decimal("0.30")]
    assert_ledger_invariants()


def test_a_paid_shop_order_partly_refunded_then_cancelled_is_refunded_what_remains(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order of 30.00 and 4.00 of delivery, 33.50 of it refunded already
    place = TownFactory()
    vendor = VendorFactory(town=place)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "4.00", "1.50")])
    _pay(client, order)
    shop_order = ShopOrder.objects.get(order=order)
    with run_on_commit():
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("33.50"))

    # when the shop cancels it
    with run_on_commit():
        shop_order_cancel(shop_order_id=shop_order.pk, reason="rupture")

    # then the 0.50 left (of the delivery fee too) is refunded, and nothing more
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.refunded_amount) == ("cancelled", Decimal("34.00"))
    assert list(shop_order.refunds.order_by("sequence").values_list("amount", "status")) == [
        (Decimal("33.50"), "succeeded"),
        (Decimal("0.50"), "succeeded"),
    ]
    assert_ledger_invariants()
