"""The ledger: record money movements (double entry) and sum them.

Accounts and entry kinds are documented on `payments.models.LedgerAccount` / `LedgerEntryKind`
(each kind always debits and credits the same two accounts, see `LEDGER_ACCOUNTS`).

Reading (for reports, e.g. the transparency report):
- `ledger_totals_by_kind(town_id=, year=, month=)` → {kind: Decimal} for a town's month
  (the month is taken in the town's timezone);
- `ledger_totals_for_order(order_id=)`, `ledger_totals_for_shop(vendor_id=, start=, end=)`,
  `ledger_totals_for_shop_order(shop_order_id=)` → {kind: Decimal};
- `ledger_balances(...)` → {account: debit − credit} with the same filters.
Every kind is present in the result (0.00 when nothing moved).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from marketplace.core.money import ZERO, MoneySum
from marketplace.core.updates import Statement, insert_ignoring_conflicts_statement
from marketplace.towns.models import Town
from payments.models import LEDGER_ACCOUNTS, LedgerAccount, LedgerEntry, LedgerEntryKind


def ledger_record(
    *,
    key: str,
    kind: str,
    amount: Decimal,
    currency: str,
    town_id: int,
    order_id: int | None = None,
    shop_order_id: int | None = None,
    vendor_id: int | None = None,
    reference: str = "",
    occurred_at: dt.datetime | None = None,
) -> LedgerEntry | None:
    """Records one movement once per `key` (a replay returns the existing entry). Zero: nothing."""
    if amount < 0:
        raise ValueError(f"Ledger amounts are never negative ({kind} {amount}).")
    if amount == 0:
        return None
    debit, credit = LEDGER_ACCOUNTS[LedgerEntryKind(kind)]
    existing = LedgerEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(
                key=key,
                kind=kind,
                debit=debit,
                credit=credit,
                amount=amount,
                currency=currency,
                town_id=town_id,
                order_id=order_id,
                shop_order_id=shop_order_id,
                vendor_id=vendor_id,
                reference=reference,
                occurred_at=occurred_at or timezone.now(),
            )
    except IntegrityError:
        return LedgerEntry.objects.get(key=key)


def ledger_record_many(*, entries: list[dict[str, Any]]) -> int:
    """Records several movements in one query (same fields as `ledger_record`); a key already
    recorded is skipped, zero amounts too. Returns how many were given (not all new)."""
    rows = _rows(entries)
    LedgerEntry.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def ledger_record_many_statement(*, entries: list[dict[str, Any]]) -> Statement | None:
    """`ledger_record_many` as a statement for the caller to run with its other writes
    (`marketplace.core.updates`); None when there is nothing to record."""
    rows = _rows(entries)
    return insert_ignoring_conflicts_statement(rows) if rows else None


def _rows(entries: list[dict[str, Any]]) -> list[LedgerEntry]:
    rows = []
    now = timezone.now()
    for entry in entries:
        amount = entry["amount"]
        if amount < 0:
            raise ValueError(f"Ledger amounts are never negative ({entry['kind']} {amount}).")
        if amount == 0:
            continue
        debit, credit = LEDGER_ACCOUNTS[LedgerEntryKind(entry["kind"])]
        rows.append(
            LedgerEntry(
                debit=debit,
                credit=credit,
                occurred_at=entry.get("occurred_at") or now,
                **{k: v for k, v in entry.items() if k != "occurred_at"},
            )
        )
    return rows


def _month_bounds(*, town: Town, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(town.timezone or "UTC")
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + (month // 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


def _by_kind(entries: QuerySet[LedgerEntry]) -> dict[str, Decimal]:
    totals = {kind.value: ZERO for kind in LedgerEntryKind}
    for row in entries.order_by().values("kind").annotate(total=MoneySum("amount")):
        totals[row["kind"]] = row["total"]
    return totals


def _balances(entries: QuerySet[LedgerEntry]) -> dict[str, Decimal]:
    balances = {account.value: ZERO for account in LedgerAccount}
    for debit in entries.order_by().values("debit").annotate(total=MoneySum("amount")):
        balances[debit["debit"]] += debit["total"]
    for credit in entries.order_by().values("credit").annotate(total=MoneySum("amount")):
        balances[credit["credit"]] -= credit["total"]
    return balances


def ledger_entries(
    *,
    town_id: int | None = None,
    year: int | None = None,
    month: int | None = None,
    order_id: int | None = None,
    shop_order_id: int | None = None,
    vendor_id: int | None = None,
    kind: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.all()
    if kind is not None:
        entries = entries.filter(kind=kind)
    if town_id is not None:
        entries = entries.filter(town_id=town_id)
        if year is not None and month is not None:
            start, end = _month_bounds(town=Town.objects.get(pk=town_id), year=year, month=month)
    if order_id is not None:
        entries = entries.filter(order_id=order_id)
    if shop_order_id is not None:
        entries = entries.filter(shop_order_id=shop_order_id)
    if vendor_id is not None:
        entries = entries.filter(vendor_id=vendor_id)
    if start is not None:
        entries = entries.filter(occurred_at__gte=start)
    if end is not None:
        entries = entries.filter(occurred_at__lt=end)
    return entries


def ledger_totals_by_kind(*, town_id: int, year: int, month: int) -> dict[str, Decimal]:
    return _by_kind(ledger_entries(town_id=town_id, year=year, month=month))


def ledger_totals_for_order(*, order_id: int) -> dict[str, Decimal]:
    return _by_kind(ledger_entries(order_id=order_id))


def ledger_totals_for_shop_order(*, shop_order_id: int) -> dict[str, Decimal]:
    return _by_kind(ledger_entries(shop_order_id=shop_order_id))


def ledger_totals_for_shop(
    *, vendor_id: int, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> dict[str, Decimal]:
    return _by_kind(ledger_entries(vendor_id=vendor_id, start=start, end=end))


def ledger_balances(**filters: int | dt.datetime | None) -> dict[str, Decimal]:
    """{account: debit − credit} over the entries selected like `ledger_entries`."""
    return _balances(ledger_entries(**filters))  # type: ignore[arg-type]
