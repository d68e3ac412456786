"""A shop's monthly statement adds up to the cent with the ledger; the refund preview is the
split the refund service books."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from marketplace.orders.lifecycle import shop_order_accept, shop_order_fulfil, shop_order_mark_ready
from marketplace.orders.models import ShopOrder
from payments.ledger import ledger_balances, ledger_entries, ledger_record
from payments.models import LedgerEntryKind, Refund
from payments.refund_preview import shop_order_refund_preview
from payments.refunds import shop_order_refund
from payments.statements import (
    ShopStatement,
    StatementLine,
    shop_statement,
    shop_statement_csv,
    shop_statement_lines,
)
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import start_payment
from tests.payments.helpers import run_on_commit

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _paid(town: Any, vendor: Any, goods: str, commission: str) -> ShopOrder:
    order = OrderFactory(town=town, shops=[(vendor, goods, "2.00", commission)])
    with run_on_commit():
        start_payment(order)
    return ShopOrder.objects.get(order=order)


def _sum(vendor: Any, town: Any, kind: str, year: int, month: int) -> Decimal:
    entries = ledger_entries(
        town_id=town.pk, vendor_id=vendor.pk, year=year, month=month, kind=kind
    )
    return sum((e.amount for e in entries), Decimal("0.00"))


def test_the_statement_adds_up_with_the_ledger_to_the_cent(dummy: Any) -> None:
    # given a shop with a fulfilled (transferred) order partly refunded, and an open order
    town = TownFactory(timezone="Europe/Paris")
    vendor, neighbour = VendorFactory(town=town), VendorFactory(town=town)
    done = _paid(town, vendor, "33.33", "1.67")
    _paid(town, vendor, "10.00", "0.50")
    _paid(town, neighbour, "99.00", "4.95")
    with run_on_commit():
        for step in (shop_order_accept, shop_order_mark_ready, shop_order_fulfil):
            step(shop_order_id=done.pk)
    with run_on_commit():
        shop_order_refund(shop_order_id=done.pk, amount=Decimal("5.01"))
    now = dt.datetime.now(PARIS)

    # when the month's statement is read
    statement = shop_statement(
        vendor_id=vendor.pk, town_id=town.pk, year=now.year, month=now.month, currency="EUR"
    )

    # then each figure is the ledger's sum of the shop's entries, and the balance matches
    def total(kind: str) -> Decimal:
        return _sum(vendor, town, kind, now.year, now.month)

    assert statement.sales == total("charge") == Decimal("47.33")
    assert statement.commission == total("commission") - total("commission_refund")
    assert statement.refunds == total("refund") == Decimal("5.01")
    assert statement.refunds_shop == total("refund_shop")
    assert statement.refunds_shop + (total("commission") - statement.commission) == Decimal("5.01")
    assert statement.transfers == total("transfer") - total("reversal")
    assert statement.earned == total("shop_share") - total("refund_shop") - statement.fees
    balances = ledger_balances(vendor_id=vendor.pk)
    assert statement.balance_change == -balances["shop_payable"]
    # what customers paid and kept = what the shop earned + the commission + the fees
    assert statement.sales - statement.refunds == (
        statement.earned + statement.commission + statement.fees
    )
    lines = shop_statement_lines(
        vendor_id=vendor.pk, town_id=town.pk, year=now.year, month=now.month
    )
    assert (
        sum((line.amount for line in lines if line.kind == "charge"), Decimal("0"))
        == statement.sales
    )
    csv_body = shop_statement_csv(statement=statement, lines=lines, tz=PARIS)
    sales = f"{statement.sales:.2f}".replace(".", ",")
    assert f"\r\n;;Ventes (marchandises et livraison);{sales};EUR\r\n" in csv_body
    assert f";{done.order.number};" in csv_body


def test_the_statement_csv_opens_in_a_french_spreadsheet() -> None:
    figures = dict.fromkeys(
        ("sales", "commission", "fees", "refunds", "refunds_shop", "disputes"), Decimal("0.00")
    )
    statement = ShopStatement(
        vendor_id=1,
        year=2026,
        month=3,
        currency="EUR",
        **{**figures, "sales": Decimal("1234.50"), "refunds": Decimal("5.01")},
        earned=Decimal("1172.27"),
        transfers=Decimal("1200.00"),
        balance_change=Decimal("-27.73"),
    )
    lines = [
        StatementLine(
            occurred_at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC),  # 1 April in Paris
            kind="refund",
            label="Remboursement",
            order_number="R-2026-00042",
            amount=Decimal("-5.01"),
        )
    ]

    body = shop_statement_csv(statement=statement, lines=lines, tz=PARIS)

    assert body.split("\r\n") == [
        "\ufeffDate;N° de commande;Opération;Montant;Devise",
        "01/04/2026 00:30;R-2026-00042;Remboursement;-5,01;EUR",
        "",
        ";;Ventes (marchandises et livraison);1234,50;EUR",
        ";;Commission;0,00;EUR",
        ";;Frais de paiement à la charge du commerce;0,00;EUR",
        ";;Remboursements aux clients;5,01;EUR",
        ";;dont à la charge du commerce;0,00;EUR",
        ";;Litiges bancaires;0,00;EUR",
        ";;Gagné par le commerce;1172,27;EUR",
        ";;Viré au commerce;1200,00;EUR",
        ";;Reste à virer pour le mois;-27,73;EUR",
        "",
    ]


def test_the_month_is_the_towns_month(dummy: Any) -> None:
    # given an entry at 23:30 UTC on 31 January: 00:30 on 1 February in Paris
    town = TownFactory(timezone="Europe/Paris")
    vendor = VendorFactory(town=town)
    ledger_record(
        key="test:late-january",
        kind=LedgerEntryKind.CHARGE,
        amount=Decimal("12.34"),
        currency="EUR",
        town_id=town.pk,
        vendor_id=vendor.pk,
        occurred_at=dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC),
    )

    def sales(month: int) -> Decimal:
        return shop_statement(
            vendor_id=vendor.pk, town_id=town.pk, year=2026, month=month, currency="EUR"
        ).sales

    assert (sales(1), sales(2)) == (Decimal("0.00"), Decimal("12.34"))


def test_the_refund_preview_is_what_the_refund_books(dummy: Any) -> None:
    town = TownFactory()
    vendor = VendorFactory(town=town)
    shop_order = _paid(town, vendor, "30.00", "1.50")
    with run_on_commit():
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("7.77"))

    preview = shop_order_refund_preview(shop_order_id=shop_order.pk, amount=Decimal("24.23"))
    with run_on_commit():
        refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("24.23"))

    assert (preview.shop_share, preview.commission_refunded) == (
        refund.shop_share,
        refund.commission_refunded,
    )
    assert preview.remaining == Decimal("24.23")
    assert sum(Refund.objects.values_list("commission_refunded", flat=True)) == Decimal("1.50")
    with pytest.raises(ValidationError) as error:
        shop_order_refund_preview(shop_order_id=shop_order.pk, amount=Decimal("0.01"))
    assert error.value.error_dict["amount"][0].code == "AMOUNT_TOO_LARGE"
