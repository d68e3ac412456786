"""The ledger checks itself (`manage.py ledger_check`, and daily by beat with an email to each
town's staff).

For every order and shop order, what the ledger says must agree with what the models say
happened (refunds counted once the provider accepted them, undone when they failed later):

- the customer paid goods + delivery − refunds (charge − refund + refund_failed), and the
  customer's account of the order is zero but for chargebacks outstanding;
- the commission kept is the rule's amount − the commission refunded;
- no negative share: every refund's shop and commission shares are ≥ 0 and never more than the
  shop order's payout and commission;
- a settled shop order (its transfer sent or skipped — or none when it was cancelled, refused or
  refunded — and nothing under way: no refund pending, no reversal or give-back due) leaves
  nothing owed to or by the shop;
- transfers − reversals = payout − the shop's part of refunds − the fees it bears, in the ledger
  and in the Transfer/Refund rows;
- an order never paid has no ledger entry.

Each check reads grouped sums (a few queries whatever the number of orders).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from marketplace.core.money import ZERO, MoneySum
from marketplace.orders.models import Order, ShopOrder, ShopOrderStatus
from payments.emails import ledger_check_notify
from payments.models import (
    LEDGER_ACCOUNTS,
    LedgerEntry,
    LedgerEntryKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Transfer,
    TransferStatus,
)

K = LedgerEntryKind
NO_TRANSFER_NEEDED = frozenset(
    {ShopOrderStatus.CANCELLED, ShopOrderStatus.REFUSED, ShopOrderStatus.REFUNDED}
)


@dataclass(frozen=True)
class Violation:
    town_id: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _sums(group_by: str, town_id: int | None) -> dict[int, dict[str, Decimal]]:
    entries = LedgerEntry.objects.exclude(**{f"{group_by}__isnull": True})
    if town_id is not None:
        entries = entries.filter(town_id=town_id)
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in entries.order_by().values(group_by, "kind").annotate(total=MoneySum("amount")):
        sums[row[group_by]][row["kind"]] = row["total"]
    return sums


def _balances(kinds: dict[str, Decimal]) -> dict[str, Decimal]:
    """{account: debit − credit} from sums by kind."""
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for kind, amount in kinds.items():
        debit, credit = LEDGER_ACCOUNTS[K(kind)]
        balances[debit] += amount
        balances[credit] -= amount
    return balances


@dataclass
class _Refunds:
    kept: Decimal = ZERO  # not failed (pending or succeeded): counted on the shop order
    amount: Decimal = ZERO  # succeeded
    shop: Decimal = ZERO
    commission: Decimal = ZERO
    restored: Decimal = ZERO  # given back to the shop by a new transfer (sent)
    reversed_: Decimal = ZERO  # reversed from the shop's transfers (done)
    under_way: bool = False
    negative: bool = False


def _refunds(town_id: int | None) -> dict[int, _Refunds]:
    refunds: dict[int, _Refunds] = defaultdict(_Refunds)
    rows = Refund.objects.all()
    if town_id is not None:
        rows = rows.filter(shop_order__order__town_id=town_id)
    for refund in rows.only(
        "shop_order_id",
        "status",
        "amount",
        "shop_share",
        "commission_refunded",
        "reversal_due",
        "reversal_id",
        "restore_due",
        "restore_id",
        "restore_amount",
        "reversal_amount",
    ):
        figures = refunds[refund.shop_order_id]
        figures.negative |= refund.shop_share < 0 or refund.commission_refunded < 0
        if refund.status != RefundStatus.FAILED:
            figures.kept += refund.amount
        if refund.status == RefundStatus.SUCCEEDED:
            figures.amount += refund.amount
            figures.shop += refund.shop_share
            figures.commission += refund.commission_refunded
        if refund.restore_id:
            figures.restored += refund.restore_amount
        if refund.reversal_id:
            figures.reversed_ += refund.reversal_amount
        figures.under_way |= (
            refund.status == RefundStatus.PENDING
            or (
                refund.status == RefundStatus.SUCCEEDED
                and refund.reversal_due
                and not refund.reversal_id
            )
            or (refund.restore_due and not refund.restore_id)
        )
    return refunds


def ledger_check(*, town_id: int | None = None) -> list[Violation]:
    """Every violation of the ledger's invariants (all towns, or one)."""
    violations: list[Violation] = []
    by_order = _sums("order_id", town_id)
    by_shop_order = _sums("shop_order_id", town_id)
    refunds = _refunds(town_id)
    transfers = {t.shop_order_id: t for t in Transfer.objects.all()}
    paid = set(
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED).values_list("order_id", flat=True)
    )
    orders = Order.objects.all().order_by("pk")
    if town_id is not None:
        orders = orders.filter(town_id=town_id)
    shop_orders: dict[int, list[ShopOrder]] = defaultdict(list)
    for shop_order in ShopOrder.objects.filter(order__in=orders).order_by("pk"):
        shop_orders[shop_order.order_id].append(shop_order)

    for order in orders.only("pk", "number", "town_id", "total"):
        found = _check_order(
            order, by_order.get(order.pk, {}), order.pk in paid, shop_orders[order.pk], refunds
        )
        for shop_order in shop_orders[order.pk] if order.pk in paid else []:
            found += [
                f"shop order {shop_order.pk}: {message}"
                for message in _check_shop_order(
                    shop_order,
                    by_shop_order.get(shop_order.pk, defaultdict(lambda: ZERO)),
                    refunds[shop_order.pk],
                    transfers.get(shop_order.pk),
                )
            ]
        violations += [Violation(order.town_id, f"order {order.number}", m) for m in found]
    return violations


def _check_order(
    order: Order,
    kinds: dict[str, Decimal],
    paid: bool,
    shop_orders: list[ShopOrder],
    refunds: dict[int, _Refunds],
) -> list[str]:
    found: list[str] = []
    kinds = defaultdict(lambda: ZERO, kinds)
    if not paid:
        if any(kinds.values()):
            found.append("never paid, yet has ledger entries")
        return found
    refunded = sum((refunds[s.pk].amount for s in shop_orders), ZERO)
    if kinds[K.CHARGE] != order.total:
        found.append(f"charged {kinds[K.CHARGE]} in the ledger, the order is {order.total}")
    paid_net = kinds[K.CHARGE] - kinds[K.REFUND] + kinds[K.REFUND_FAILED]
    if paid_net != order.total - refunded:
        found.append(
            f"the customer paid {paid_net} net in the ledger; goods + delivery − refunds "
            f"= {order.total - refunded}"
        )
    customer = _balances(kinds)["customer"]
    disputed = kinds[K.DISPUTE] - kinds[K.DISPUTE_WON]
    if customer != disputed:
        found.append(f"the customer's account is {customer}, disputes outstanding {disputed}")
    return found


def _check_shop_order(
    shop_order: ShopOrder,
    kinds: dict[str, Decimal],
    refunds: _Refunds,
    transfer: Transfer | None,
) -> list[str]:
    found: list[str] = []
    report = found.append
    total = shop_order.subtotal + shop_order.delivery_fee
    if kinds[K.CHARGE] != total:
        report(f"charged {kinds[K.CHARGE]} in the ledger for goods + delivery {total}")
    if shop_order.refunded_amount != refunds.kept or refunds.kept > total:
        report(
            f"refunded amount {shop_order.refunded_amount}, refunds not failed {refunds.kept} "
            f"(at most {total})"
        )
    if kinds[K.REFUND] - kinds[K.REFUND_FAILED] != refunds.amount:
        report(f"refunds in the ledger differ from the refunds that succeeded ({refunds.amount})")
    commission = (
        kinds[K.COMMISSION] - kinds[K.COMMISSION_REFUND] + kinds[K.COMMISSION_REFUND_FAILED]
    )
    if commission != shop_order.commission - refunds.commission:
        report(
            f"commission kept {commission} in the ledger; the rule's {shop_order.commission} − "
            f"refunded {refunds.commission} = {shop_order.commission - refunds.commission}"
        )
    shop_refunded = kinds[K.REFUND_SHOP] - kinds[K.REFUND_SHOP_FAILED]
    if kinds[K.SHOP_SHARE] != shop_order.payout or shop_refunded != refunds.shop:
        report(
            f"shop's share {kinds[K.SHOP_SHARE]} and its part of refunds {shop_refunded} in the "
            f"ledger; payout {shop_order.payout}, part of refunds {refunds.shop}"
        )
    if (
        refunds.negative
        or refunds.shop > shop_order.payout
        or refunds.commission > shop_order.commission
    ):
        report(
            f"a negative share, or shares beyond the payout ({refunds.shop} > "
            f"{shop_order.payout}?) or the commission ({refunds.commission} > "
            f"{shop_order.commission}?)"
        )
    fees = kinds[K.FEE_RECHARGE] - kinds[K.FEE_RECHARGE_BACK]
    sent_net = kinds[K.TRANSFER] - kinds[K.REVERSAL]
    if transfer is not None:
        rows_net = (
            (transfer.amount if transfer.status == TransferStatus.SENT else ZERO)
            + refunds.restored
            - refunds.reversed_
        )
        if rows_net != sent_net:
            report(f"transfers − reversals {sent_net} in the ledger, {rows_net} in the rows")
    settled = not refunds.under_way and (
        (transfer is not None and transfer.status in (TransferStatus.SENT, TransferStatus.SKIPPED))
        or (transfer is None and shop_order.status in NO_TRANSFER_NEEDED)
    )
    if not settled:
        return found
    expected = shop_order.payout - refunds.shop - fees
    if sent_net != expected:
        report(
            f"transfers − reversals {sent_net}; payout − shop's part of refunds − fees it bears "
            f"= {expected}"
        )
    owed = -_balances(kinds)["shop_payable"]
    if owed != 0:
        report(f"settled, yet {owed} is owed to the shop (negative: by the shop)")
    return found


def ledger_check_and_notify() -> int:
    """Runs the check and emails each town's staff its violations. Returns how many."""
    violations = ledger_check()
    by_town: dict[int, list[str]] = defaultdict(list)
    for violation in violations:
        by_town[violation.town_id].append(str(violation))
    for town_id, lines in sorted(by_town.items()):
        ledger_check_notify(town_id=town_id, violations=lines)
    return len(violations)
