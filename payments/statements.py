"""A shop's monthly statement, read from the ledger (the month in the town's timezone).

Every figure is a sum of the shop's ledger entries of the month (`vendor_id` set), so the
statement adds up to the cent with the ledger:
- sales = Σ charge (goods + delivery paid by customers for the shop's orders);
- commission = Σ commission − Σ commission_refund + Σ commission_refund_failed;
- fees = Σ fee_recharge − Σ fee_recharge_back (Stripe fees borne by the shop, if the town says so);
- refunds = Σ refund − Σ refund_failed (paid back to customers), of which the shop bore
  refunds_shop = Σ refund_shop − Σ refund_shop_failed;
- disputes = Σ dispute − Σ dispute_won;
- earned = Σ shop_share − refunds_shop − fees (what the shop is owed for the month);
- transfers = Σ transfer − Σ reversal (what was sent to the shop's account);
- earned − transfers is the change of the shop's payable balance in the ledger over the month.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from payments.ledger import ZERO, MoneySum, ledger_entries
from payments.models import LedgerEntry, LedgerEntryKind

K = LedgerEntryKind


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    kind: str
    label: str
    order_number: str
    amount: Decimal


@dataclass(frozen=True)
class ShopStatement:
    vendor_id: int
    year: int
    month: int
    currency: str
    sales: Decimal
    commission: Decimal
    fees: Decimal
    refunds: Decimal
    refunds_shop: Decimal
    disputes: Decimal
    earned: Decimal
    transfers: Decimal
    balance_change: Decimal
    totals_by_kind: dict[str, Decimal] = field(default_factory=dict)


def _entries(*, town_id: int, vendor_id: int, year: int, month: int):  # type: ignore[no-untyped-def]
    return ledger_entries(town_id=town_id, vendor_id=vendor_id, year=year, month=month)


def shop_statement(
    *, vendor_id: int, town_id: int, year: int, month: int, currency: str
) -> ShopStatement:
    """The shop's figures for the month: one aggregate query over its ledger entries."""
    totals = {kind.value: ZERO for kind in LedgerEntryKind}
    rows = (
        _entries(town_id=town_id, vendor_id=vendor_id, year=year, month=month)
        .order_by()
        .values("kind")
        .annotate(total=MoneySum("amount"))
    )
    for row in rows:
        totals[row["kind"]] = row["total"]
    commission = (
        totals[K.COMMISSION] - totals[K.COMMISSION_REFUND] + totals[K.COMMISSION_REFUND_FAILED]
    )
    fees = totals[K.FEE_RECHARGE] - totals[K.FEE_RECHARGE_BACK]
    refunds_shop = totals[K.REFUND_SHOP] - totals[K.REFUND_SHOP_FAILED]
    earned = totals[K.SHOP_SHARE] - refunds_shop - fees
    transfers = totals[K.TRANSFER] - totals[K.REVERSAL]
    return ShopStatement(
        vendor_id=vendor_id,
        year=year,
        month=month,
        currency=currency,
        sales=totals[K.CHARGE],
        commission=commission,
        fees=fees,
        refunds=totals[K.REFUND] - totals[K.REFUND_FAILED],
        refunds_shop=refunds_shop,
        disputes=totals[K.DISPUTE] - totals[K.DISPUTE_WON],
        earned=earned,
        transfers=transfers,
        balance_change=earned - transfers,
        totals_by_kind=totals,
    )


def shop_statement_lines(
    *, vendor_id: int, town_id: int, year: int, month: int
) -> list[StatementLine]:
    """The month's ledger entries of the shop, oldest first, with their order's number."""
    entries = (
        _entries(town_id=town_id, vendor_id=vendor_id, year=year, month=month)
        .select_related("order")
        .order_by("occurred_at", "pk")
    )
    return [_line(entry) for entry in entries]


def _line(entry: LedgerEntry) -> StatementLine:
    return StatementLine(
        occurred_at=entry.occurred_at,
        kind=entry.kind,
        label=str(LedgerEntryKind(entry.kind).label),
        order_number=entry.order.number if entry.order_id and entry.order else "",
        amount=entry.amount,
    )


def shop_statement_csv(*, statement: ShopStatement, lines: list[StatementLine], tz: object) -> str:
    """The statement as CSV: one row per ledger entry, then the totals (amounts with a dot)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", "order", "kind", "label", "amount", "currency"])
    for line in lines:
        moment = line.occurred_at.astimezone(tz)  # type: ignore[arg-type]
        writer.writerow(
            [
                moment.isoformat(timespec="seconds"),
                line.order_number,
                line.kind,
                line.label,
                f"{line.amount:.2f}",
                statement.currency,
            ]
        )
    writer.writerow([])
    for name in (
        "sales",
        "commission",
        "fees",
        "refunds",
        "refunds_shop",
        "disputes",
        "earned",
        "transfers",
        "balance_change",
    ):
        writer.writerow(
            ["", "", f"total_{name}", "", f"{getattr(statement, name):.2f}", statement.currency]
        )
    return out.getvalue()
