"""The dummy gateway goes through the same states; reconcile_stripe proves its Stripe calls."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from marketplace.orders.models import ShopOrder
from payments.gateways import BalanceLine
from payments.gateways.stripe import StripeGateway
from payments.ledger import ledger_record
from payments.models import Payment, Transfer
from payments.reconcile import ledger_reconcile
from payments.refunds import shop_order_refund
from payments.transfers import transfer_schedule
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import start_payment
from tests.payments.helpers import run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db


def test_the_dummy_gateway_pays_at_once_and_pays_shops(dummy: Any) -> None:
    # given an order of two shops without any payment account
    place = TownFactory()
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "12.00", "2.00", "0.60"), (vendors[1], "7.00", "0.00", "0.35")],
    )

    # when its payment starts and both parts are transferred
    with run_on_commit():
        start = start_payment(order)
    with run_on_commit():
        for shop_order in ShopOrder.objects.filter(order=order):
            transfer_schedule(shop_order_id=shop_order.pk)

    # then it is paid at once, and both shops are paid their payout
    order.refresh_from_db()
    assert (start.gateway, start.status, start.client_secret) == ("dummy", "succeeded", None)
    assert order.status == "paid"
    assert Payment.objects.get(order=order).status == "succeeded"
    assert sorted(Transfer.objects.values_list("status", "amount")) == sorted(
        ShopOrder.objects.values_list("transfer__status", "payout")
    )
    assert set(Transfer.objects.values_list("status", flat=True)) == {"sent"}
    assert_ledger_invariants()

    # and a refund goes through the same states
    first = ShopOrder.objects.filter(order=order).order_by("pk").first()
    assert first is not None
    with run_on_commit():
        refund = shop_order_refund(shop_order_id=first.pk, amount=Decimal("7.00"))
    refund.refresh_from_db()
    assert (refund.status, refund.shop_share, refund.reversal_amount) == (
        "succeeded",
        Decimal("6.70"),  # 7.00 - 0.30 commission (0.60 x 7/14)
        Decimal("6.70"),
    )
    assert refund.refund_id.startswith("re_dummy_")
    assert_ledger_invariants()


def test_reconcile_stripe_lists_stripe_balance_transactions_and_reports(stripe: Any) -> None:
    # given an empty ledger; stripe-mock answers with one fixture charge
    out = StringIO()

    # when the ledger is reconciled
    report = ledger_reconcile(since=timezone.now())
    call_command("reconcile_stripe", "--days", "1", stdout=out)

    # then the fixture charge is reported missing from the ledger
    assert (report.checked, report.matched) == (1, 0)
    assert len(report.missing_in_ledger) == 1
    assert report.missing_in_ledger[0].startswith("charge ch_")
    assert out.getvalue().startswith("checked 1 balance transactions: 0 matched, 0 mismatched")
    with pytest.raises(CommandError, match="does not match"):
        call_command("reconcile_stripe", "--fail", stdout=StringIO())


def test_reconcile_matches_a_dispute_withdrawn_then_won_with_the_ledger(
    stripe: Any, monkeypatch: Any
) -> None:
    # given a chargeback booked in the ledger: 23.00 withdrawn, then given back
    town = TownFactory()
    for kind, amount in (("dispute", "23.00"), ("dispute_won", "23.00"), ("stripe_fee", "15.00")):
        ledger_record(
            key=f"{kind}:dp_r",
            kind=kind,
            amount=Decimal(amount),
            currency="EUR",
            town_id=town.pk,
            reference="dp_r",
        )
    # and Stripe's balance listing the dispute's two adjustments (stripe-mock has no disputes)
    lines = [
        BalanceLine("txn_1", "adjustment", "dp_r", Decimal("-23.00"), Decimal("15.00"), "eur"),
        BalanceLine("txn_2", "adjustment", "dp_r", Decimal("23.00"), Decimal("0.00"), "eur"),
    ]
    monkeypatch.setattr(StripeGateway, "balance_lines", lambda self, created_gte=None: lines)

    # when the ledger is reconciled
    report = ledger_reconcile(since=timezone.now() - timedelta(minutes=1))

    # then both movements and the fee match
    assert (report.checked, report.matched, report.ok) == (2, 2, True)
    assert report.fees_provider == report.fees_ledger == Decimal("15.00")
