"""How refunds are split between the shop and the association, and who bears Stripe's fee when
a shop order is refunded (#14 defects 4 and 5, #15 item 13)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.governance.models import TownSettings
from marketplace.orders.lifecycle import shop_order_accept, shop_order_fulfil, shop_order_mark_ready
from marketplace.orders.models import Order, ShopOrder
from payments.ledger import ledger_balances, ledger_record, ledger_totals_for_shop_order
from payments.models import Payment, Refund, Transfer
from payments.refunds import refund_split, shop_order_refund
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def _paid(client: Client, place: Any, goods: str, fee: str, commission: str) -> ShopOrder:
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, goods, fee, commission)])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_s")))
    return ShopOrder.objects.select_related("order").get(order=order)


def _fulfil(shop_order: ShopOrder) -> None:
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        shop_order_fulfil(shop_order_id=shop_order.pk)


def _refund(shop_order: ShopOrder, amount: str | Decimal) -> Refund:
    with run_on_commit():
        refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal(amount))
    refund.refresh_from_db()
    return refund


def test_six_partial_refunds_never_give_the_shop_a_negative_share(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order of 40.00 with 2.00 commission (5 %); rounding each refund's
    # commission alone gave 0.00 to the first four, and the last (0.01) a shop share of -0.01
    shop_order = _paid(client, TownFactory(), "40.00", "0.00", "2.00")

    # when it is refunded in six parts
    parts = ["0.09", "0.09", "0.09", "0.03", "39.69", "0.01"]
    refunds = [_refund(shop_order, amount) for amount in parts]

    # then every refund succeeded with shares within [0, amount], the last one completing
    # the shop order exactly: 38.00 borne by the shop, 2.00 by the association
    assert [r.status for r in refunds] == ["succeeded"] * 6
    assert all(0 <= r.shop_share <= r.amount and r.commission_refunded >= 0 for r in refunds)
    assert sum(r.shop_share for r in refunds) == Decimal("38.00")
    assert sum(r.commission_refunded for r in refunds) == Decimal("2.00")
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.refunded_amount) == ("refunded", Decimal("40.00"))
    assert_ledger_invariants()


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high)) * CENT


def _split(rng: random.Random, total: Decimal) -> list[Decimal]:
    cents = int(total / CENT)
    count = rng.randint(1, min(12, cents))
    if rng.random() < 0.3:  # many small equal parts, then the rest
        size = rng.randint(1, max(1, cents // (count * 2)))
        parts = [Decimal(size) * CENT] * (count - 1)
    else:
        cuts = sorted(rng.sample(range(1, cents), count - 1)) if count > 1 else []
        parts = [Decimal(b - a) * CENT for a, b in zip([0, *cuts], cuts, strict=False)]
    return [*parts, total - sum(parts, Decimal("0.00"))]


@pytest.mark.parametrize("commission_refunded", [True, False])
def test_any_sequence_of_partial_refunds_splits_within_bounds_and_to_the_cent(
    commission_refunded: bool,
) -> None:
    # given many shop orders (totals, commissions, delivery fees) and ways to refund them in
    # parts, under either commission policy
    place = TownFactory()
    TownSettings.objects.create(town=place, refund_commission=commission_refunded)
    rng = random.Random(4)  # (the former split gave a negative share at its 43rd order)
    for attempt in range(300):
        goods = _cents(rng, 1, 50000 if attempt % 2 else 300)
        delivery = _cents(rng, 0, 1000) if rng.random() < 0.5 else Decimal("0.00")
        commission = _cents(rng, 0, int(goods / CENT))
        shop_order = ShopOrder(
            subtotal=goods,
            delivery_fee=delivery,
            commission=commission,
            payout=goods + delivery - commission,
        )
        shop_order.order = Order(town=place)  # unsaved: refund_split reads its town only
        total = goods + delivery

        # when it is refunded in those parts, one after the other
        previous: list[Refund] = []
        for amount in _split(rng, total):
            shop, back = refund_split(shop_order=shop_order, amount=amount, previous=previous)
            # then each share is in [0, amount], to the cent, and adds up to the refund
            assert Decimal("0.00") <= shop <= amount and Decimal("0.00") <= back <= amount
            assert shop + back == amount
            assert shop == shop.quantize(CENT) and back == back.quantize(CENT)
            previous.append(Refund(amount=amount, shop_share=shop, commission_refunded=back))

        # and the refunds taken together give back exactly the payout and the commission
        assert sum((r.shop_share for r in previous), Decimal("0.00")) == shop_order.payout
        assert sum((r.commission_refunded for r in previous), Decimal("0.00")) == commission


@pytest.mark.parametrize("refund_first", [True, False], ids=["before-transfer", "after-transfer"])
def test_a_full_refund_books_the_same_whether_it_comes_before_or_after_the_transfer(
    stripe: Any, client: Client, refund_first: bool
) -> None:
    # given a town where shops bear Stripe's fees, a paid shop order of 30.00 (commission
    # 1.50) and Stripe's fee of 0.95 on its charge (stripe-mock's fee is 0: set as Stripe would)
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    shop_order = _paid(client, place, "30.00", "0.00", "1.50")
    payment = Payment.objects.get(order_id=shop_order.order_id)
    Payment.objects.filter(pk=payment.pk).update(fee=Decimal("0.95"))
    ledger_record(
        key=f"stripe_fee:{payment.pk}",
        kind="stripe_fee",
        amount=Decimal("0.95"),
        currency="EUR",
        town_id=place.pk,
        order_id=shop_order.order_id,
    )

    # when it is refunded in full before it is fulfilled, or fulfilled (27.55 sent: the payout
    # of 28.50 less the fee) then refunded in full
    if refund_first:
        _refund(shop_order, "30.00")
        shop_order.refresh_from_db()
        assert shop_order.status == "refunded"
    else:
        _fulfil(shop_order)
        assert Transfer.objects.get().amount == Decimal("27.55")
        _refund(shop_order, "30.00")

    # then, either way, the shop neither keeps nor owes anything and bears no fee: the
    # association bears Stripe's fee on a sale refunded in full
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    balances = ledger_balances(shop_order_id=shop_order.pk)
    assert balances["shop_payable"] == Decimal("0.00")
    assert totals["fee_recharge"] - totals["fee_recharge_back"] == Decimal("0.00")
    assert totals["transfer"] - totals["reversal"] == Decimal("0.00")
    assert (balances["commission"], balances["customer"]) == (Decimal("0.00"), Decimal("0.00"))
    assert ledger_balances(order_id=shop_order.order_id)["stripe_fees"] == Decimal("0.95")
    assert_ledger_invariants()


def test_a_near_full_refund_after_the_transfer_leaves_the_shop_owing_nothing(
    stripe: Any, client: Client
) -> None:
    # given shops bearing fees, a paid shop order of 10.00 (commission 0.50, fee 0.30 kept from
    # its transfer of 9.20), refunded 9.90 after the transfer
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    shop_order = _paid(client, place, "10.00", "0.00", "0.50")
    payment = Payment.objects.get(order_id=shop_order.order_id)
    Payment.objects.filter(pk=payment.pk).update(fee=Decimal("0.30"))
    _fulfil(shop_order)
    assert Transfer.objects.get().amount == Decimal("9.20")

    # when 9.90 is refunded: the shop's share (9.40) is more than it received
    refund = _refund(shop_order, "9.90")

    # then 9.20 is reversed and 0.20 of the fee given back: the shop keeps 0.10 of the sale and
    # bears 0.10 of the fee, owing nothing
    assert (refund.shop_share, refund.reversal_amount) == (Decimal("9.40"), Decimal("9.20"))
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    assert totals["fee_recharge_back"] == Decimal("0.20")
    assert ledger_balances(shop_order_id=shop_order.pk)["shop_payable"] == Decimal("0.00")
    assert_ledger_invariants()


@pytest.mark.django_db(False)
def test_on_sqlite_a_full_refund_of_5_60_passes_the_shares_check() -> None:
    # given the demo's database, SQLite, which adds decimals in binary floating point
    # (5.32 + 0.28 is not 5.6 there), with the refunds table as the model declares it
    from django.db.utils import ConnectionHandler

    sqlite = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )["default"]
    try:
        with sqlite.schema_editor() as editor:
            editor.create_model(Refund)
        with sqlite.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute("SELECT 5.6 = 5.32 + 0.28")
            assert cursor.fetchone() == (0,)

            # when the full refund of a 5.60 shop order (5 % commission) is stored
            shop, back = Decimal("5.32"), Decimal("0.28")
            assert shop + back == Decimal("5.60")
            cursor.execute(
                "INSERT INTO payments_refund (shop_order_id, sequence, status, amount, currency, "
                "shop_share, commission_refunded, refund_id, reversal_due, reversal_amount, "
                "reversal_id, reversal_source, restore_due, restore_amount, restore_id, attempts, "
                "key_version, last_error, reason, created_at, updated_at) VALUES (1, 1, 'pending', %s, "
                "'EUR', %s, %s, '', 0, 0, '', '', 0, 0, '', 0, 1, '', '', '2026-01-01', "
                "'2026-01-01')",
                [Decimal("5.60"), shop, back],
            )

            # then the shares' CHECK holds (to the half cent, as the orders' checks do)
            cursor.execute("SELECT amount, shop_share, commission_refunded FROM payments_refund")
            assert cursor.fetchone() == (5.6, 5.32, 0.28)
    finally:
        sqlite.close()
