"""Reconciling the ledger with the provider's balance transactions.

Each balance transaction (charge, refund, transfer, transfer reversal, dispute adjustment) is
matched by its source id with the ledger entries referencing it; amounts must agree to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from marketplace.core.money import ZERO, MoneySum
from payments.gateways import BalanceLine, get_gateway
from payments.models import LedgerEntry, LedgerEntryKind

# provider balance type -> the ledger kind it must match (signs: the provider's amount is
# positive into the platform balance, negative out of it)
KIND_OF_TYPE = {
    "charge": LedgerEntryKind.CHARGE,
    "payment": LedgerEntryKind.CHARGE,
    "refund": LedgerEntryKind.REFUND,
    "payment_refund": LedgerEntryKind.REFUND,
    "refund_failure": LedgerEntryKind.REFUND_FAILED,
    "payment_failure_refund": LedgerEntryKind.REFUND_FAILED,
    "transfer": LedgerEntryKind.TRANSFER,
    "transfer_cancel": LedgerEntryKind.REVERSAL,
    "transfer_refund": LedgerEntryKind.REVERSAL,
}
# A dispute moves money with "adjustment" lines whose source is the dispute: out, then maybe back.
DISPUTE_KINDS = (LedgerEntryKind.DISPUTE, LedgerEntryKind.DISPUTE_WON)


def _kind_of(line: BalanceLine) -> str | None:
    if line.type == "adjustment":
        return str(DISPUTE_KINDS[0] if line.amount < 0 else DISPUTE_KINDS[1])
    kind = KIND_OF_TYPE.get(line.type)
    return None if kind is None else str(kind)


@dataclass
class ReconcileReport:
    checked: int = 0
    matched: int = 0
    mismatches: list[str] = field(default_factory=list)
    missing_in_ledger: list[str] = field(default_factory=list)
    missing_at_provider: list[str] = field(default_factory=list)
    fees_provider: Decimal = ZERO
    fees_ledger: Decimal = ZERO

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.missing_in_ledger or self.missing_at_provider)


def ledger_reconcile(*, since: dt.datetime) -> ReconcileReport:
    report = ReconcileReport()
    lines = get_gateway("stripe").balance_lines(created_gte=int(since.timestamp()))
    entries = LedgerEntry.objects.filter(
        occurred_at__gte=since, kind__in={*KIND_OF_TYPE.values(), *DISPUTE_KINDS}
    )
    ledger: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for row in entries.values("kind", "reference").annotate(total=MoneySum("amount")):
        ledger[(row["kind"], row["reference"])] += row["total"]
    seen: set[tuple[str, str]] = set()
    for line in lines:
        kind = _kind_of(line)
        if kind is None:
            continue
        report.checked += 1
        report.fees_provider += line.fee
        key = (kind, line.source)
        seen.add(key)
        if key not in ledger:
            report.missing_in_ledger.append(f"{line.type} {line.source} {abs(line.amount)}")
        elif ledger[key] != abs(line.amount):
            report.mismatches.append(
                f"{line.type} {line.source}: provider {abs(line.amount)}, ledger {ledger[key]}"
            )
        else:
            report.matched += 1
    for (entry_kind, reference), amount in sorted(ledger.items()):
        if (entry_kind, reference) not in seen:
            report.missing_at_provider.append(f"{entry_kind} {reference or '-'} {amount}")
    report.fees_ledger = (
        LedgerEntry.objects.filter(
            occurred_at__gte=since, kind=LedgerEntryKind.STRIPE_FEE
        ).aggregate(total=MoneySum("amount"))["total"]
        or ZERO
    )
    return report
