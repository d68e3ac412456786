"""Ledger invariants, checked after every scenario: each order, shop order, shop, town and month
balances to the cent against what the models say happened."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from marketplace.orders.models import Order, ShopOrder
from payments.ledger import ledger_balances, ledger_entries, ledger_totals_by_kind
from payments.ledger_check import ledger_check
from payments.models import LedgerEntry, Payment, PaymentStatus, Refund, RefundStatus, Transfer

ZERO = Decimal("0.00")


def _sum(queryset: object, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO  # type: ignore[attr-defined]


def assert_ledger_invariants() -> None:
    for entry in LedgerEntry.objects.all():
        assert entry.amount == entry.amount.quantize(Decimal("0.01")), entry
        assert entry.amount > 0, entry
    for order in Order.objects.all():
        paid = Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).exists()
        balances = ledger_balances(order_id=order.pk)
        assert sum(balances.values(), ZERO) == ZERO
        totals = ledger_entries(order_id=order.pk)
        disputed = _sum(totals.filter(kind="dispute"), "amount") - _sum(
            totals.filter(kind="dispute_won"), "amount"
        )
        assert balances["customer"] == disputed, (order, balances)
        charged = _sum(totals.filter(kind="charge"), "amount")
        assert charged == (order.total if paid else ZERO), (order, charged)
        for shop_order in ShopOrder.objects.filter(order=order):
            _assert_shop_order(shop_order)
    for vendor_id in set(ShopOrder.objects.values_list("vendor_id", flat=True)):
        entries = ledger_entries(vendor_id=vendor_id)
        transfers = Transfer.objects.filter(vendor_id=vendor_id, status="sent")
        restored = Refund.objects.filter(shop_order__vendor_id=vendor_id).exclude(restore_id="")
        assert _sum(entries.filter(kind="transfer"), "amount") == _sum(transfers, "amount") + _sum(
            restored, "restore_amount"
        )
        reversed_ = Refund.objects.filter(shop_order__vendor_id=vendor_id).exclude(reversal_id="")
        assert _sum(entries.filter(kind="reversal"), "amount") == _sum(reversed_, "reversal_amount")
        # the shop order's own transfer: reversals not made from a give-back transfer
        assert _sum(Transfer.objects.filter(vendor_id=vendor_id), "reversed_amount") == _sum(
            reversed_.filter(reversal_source=""), "reversal_amount"
        )
    months = {
        (e.town_id, e.occurred_at.year, e.occurred_at.month) for e in LedgerEntry.objects.all()
    }
    for town_id, year, month in months:
        totals = ledger_totals_by_kind(town_id=town_id, year=year, month=month)
        balances = ledger_balances(town_id=town_id, year=year, month=month)
        assert sum(balances.values(), ZERO) == ZERO
        assert balances["platform_cash"] == (
            totals["charge"]
            - totals["refund"]
            - totals["transfer"]
            + totals["reversal"]
            - totals["stripe_fee"]
            - totals["dispute"]
            + totals["dispute_won"]
            + totals["refund_failed"]
        )
        assert totals["charge"] == totals["shop_share"] + totals["commission"]
        assert totals["refund"] == totals["refund_shop"] + totals["commission_refund"]
        assert totals["refund_failed"] == (
            totals["refund_shop_failed"] + totals["commission_refund_failed"]
        )
    # and what `manage.py ledger_check` checks
    assert [str(violation) for violation in ledger_check()] == []


def _assert_shop_order(shop_order: ShopOrder) -> None:
    paid = Payment.objects.filter(
        order_id=shop_order.order_id, status=PaymentStatus.SUCCEEDED
    ).exists()
    balances = ledger_balances(shop_order_id=shop_order.pk)
    refunds = Refund.objects.filter(shop_order=shop_order, status=RefundStatus.SUCCEEDED)
    transfer = Transfer.objects.filter(shop_order=shop_order).first()
    sent = transfer.amount if transfer and transfer.status == "sent" else ZERO
    restored = Refund.objects.filter(shop_order=shop_order).exclude(restore_id="")
    sent += _sum(restored, "restore_amount")
    reversed_ = _sum(
        Refund.objects.filter(shop_order=shop_order).exclude(reversal_id=""), "reversal_amount"
    )
    payout = shop_order.payout if paid else ZERO
    commission = shop_order.commission if paid else ZERO
    recharged = _sum(
        ledger_entries(shop_order_id=shop_order.pk, kind="fee_recharge"), "amount"
    ) - _sum(ledger_entries(shop_order_id=shop_order.pk, kind="fee_recharge_back"), "amount")
    owed = payout - _sum(refunds, "shop_share") - sent + reversed_ - recharged
    assert balances["shop_payable"] == -owed, (shop_order, balances, owed)
    assert balances["commission"] == -(commission - _sum(refunds, "commission_refunded"))
    assert _sum(refunds, "amount") <= shop_order.subtotal + shop_order.delivery_fee
