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
Each line (one entry) is signed and counts in one column (`LINE_COLUMNS`): the earned lines add
up to `earned`, the transfer lines to `transfers`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from enum import StrEnum

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from marketplace.core.money import ZERO, MoneySum
from payments.ledger import ledger_entries
from payments.models import LedgerEntry, LedgerEntryKind

K = LedgerEntryKind


class StatementColumn(StrEnum):
    """What a line of the statement counts in: what the shop earned (its lines add up to
    `earned`), what was sent to its account (they add up to `transfers`), or neither (the
    customer's payment and refunds, the commission: shown for information)."""

    EARNED = "earned"
    TRANSFERS = "transfers"
    INFORMATION = "information"


C = StatementColumn
# Each kind of the shop's entries: its column and its sign there (money for the shop +, money
# going out of it −), so that each column adds up to its figure of the statement.
LINE_COLUMNS: dict[str, tuple[StatementColumn, int]] = {
    K.SHOP_SHARE: (C.EARNED, 1),
    K.REFUND_SHOP: (C.EARNED, -1),
    K.REFUND_SHOP_FAILED: (C.EARNED, 1),
    K.FEE_RECHARGE: (C.EARNED, -1),
    K.FEE_RECHARGE_BACK: (C.EARNED, 1),
    K.TRANSFER: (C.TRANSFERS, 1),
    K.REVERSAL: (C.TRANSFERS, -1),
    K.CHARGE: (C.INFORMATION, 1),
    K.COMMISSION: (C.INFORMATION, -1),
    K.REFUND: (C.INFORMATION, -1),
    K.REFUND_FAILED: (C.INFORMATION, 1),
    K.COMMISSION_REFUND: (C.INFORMATION, -1),
    K.COMMISSION_REFUND_FAILED: (C.INFORMATION, 1),
    K.DISPUTE: (C.INFORMATION, -1),
    K.DISPUTE_WON: (C.INFORMATION, 1),
    K.STRIPE_FEE: (C.INFORMATION, -1),
}


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    kind: str
    label: str
    order_number: str
    amount: Decimal  # signed: money going out of the shop's side is negative
    column: StatementColumn = StatementColumn.INFORMATION


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


def _entries(*, town_id: int, vendor_id: int, year: int, month: int) -> QuerySet[LedgerEntry]:
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
    column, sign = LINE_COLUMNS.get(entry.kind, (C.INFORMATION, 1))
    return StatementLine(
        occurred_at=entry.occurred_at,
        kind=entry.kind,
        label=str(LedgerEntryKind(entry.kind).label),
        order_number=entry.order.number if entry.order_id and entry.order else "",
        amount=entry.amount * sign,
        column=column,
    )


# The totals under the lines of the CSV, in the money page's order and words.
_CSV_TOTALS = (
    ("sales", _lazy("Sales (goods and delivery)")),
    ("commission", _lazy("Commission")),
    ("fees", _lazy("Payment fees borne by the shop")),
    ("refunds", _lazy("Refunds to customers")),
    ("refunds_shop", _lazy("of which borne by the shop")),
    ("disputes", _lazy("Disputes")),
    ("earned", _lazy("Earned by the shop")),
    ("transfers", _lazy("Transferred to the shop")),
    ("balance_change", _lazy("Still to transfer for the month")),
)


def _spreadsheet_amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def shop_statement_csv(*, statement: ShopStatement, lines: list[StatementLine], tz: tzinfo) -> str:
    """The statement as a French spreadsheet opens it (for the shopkeeper and their accountant):
    a BOM, `;` between columns, a decimal comma, local dates; one row per ledger entry in the active
    language, then the month's totals. (The open data keeps its machine-readable format.)"""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date"), _("Order number"), _("Operation"), _("Amount"), _("Currency")])
    for line in lines:
        writer.writerow(
            [
                line.occurred_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                line.order_number,
                line.label,
                _spreadsheet_amount(line.amount),
                statement.currency,
            ]
        )
    writer.writerow([])
    for name, label in _CSV_TOTALS:
        writer.writerow(
            ["", "", str(label), _spreadsheet_amount(getattr(statement, name)), statement.currency]
        )
    return out.getvalue()
