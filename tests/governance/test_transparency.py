"""The monthly transparency report, tied to the ledger to the cent (GraphQL, CSV and JSON)."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from payments.ledger import ledger_entries, ledger_record, ledger_totals_by_kind
from tests.factories import CategoryFactory, ShopOrderFactory, TownFactory, VendorFactory

pytestmark = pytest.mark.django_db

D = Decimal
PARIS = ZoneInfo("Europe/Paris")
REPORT = """query($year: Int!, $month: Int!) { transparencyReport(town: "montpellier", year: $year, month: $month) {
  orders gross { amount currency } commission { amount } commissionCharged { amount }
  commissionRefunded { amount } stripeFees { amount } transfers { amount } reversals { amount }
  refunds { amount } byCategory { category gross { amount } commission { amount } } } }"""


def _sale(shop_order, *, at, fee, transfer=True, key):
    """What payments record for a paid (and transferred) shop order."""
    common = {
        "currency": "EUR",
        "town_id": shop_order.order.town_id,
        "order_id": shop_order.order_id,
        "shop_order_id": shop_order.pk,
        "vendor_id": shop_order.vendor_id,
        "occurred_at": at,
    }
    ledger_record(key=f"{key}:charge", kind="charge", amount=shop_order.total, **common)
    ledger_record(key=f"{key}:share", kind="shop_share", amount=shop_order.payout, **common)
    ledger_record(
        key=f"{key}:commission", kind="commission", amount=shop_order.commission, **common
    )
    ledger_record(key=f"{key}:fee", kind="stripe_fee", amount=fee, **common)
    if transfer:
        ledger_record(key=f"{key}:transfer", kind="transfer", amount=shop_order.payout, **common)


@pytest.fixture
def month(town):
    town.timezone = "Europe/Paris"
    town.save(update_fields=["timezone"])
    bakery = CategoryFactory(slug="boulangerie")
    cheese = CategoryFactory(slug="fromagerie")
    baker = VendorFactory(town=town, category=bakery)
    cheesemonger = VendorFactory(town=town, category=cheese)
    loose = VendorFactory(town=town, category=None)
    one = ShopOrderFactory(
        order__town=town,
        vendor=baker,
        subtotal=D("23.40"),
        delivery_fee=D("4.90"),
        commission=D("1.17"),
    )
    two = ShopOrderFactory(
        order=one.order, vendor=cheesemonger, subtotal=D("41.15"), commission=D("2.06")
    )
    three = ShopOrderFactory(
        order__town=town, vendor=baker, subtotal=D("9.99"), commission=D("0.50")
    )
    four = ShopOrderFactory(
        order__town=town, vendor=loose, subtotal=D("15.00"), commission=D("0.75")
    )
    _sale(
        one, at=datetime(2026, 3, 1, 0, 30, tzinfo=PARIS), fee=D("1.32"), key="a"
    )  # 23:30 UTC Feb 28
    _sale(two, at=datetime(2026, 3, 1, 0, 30, tzinfo=PARIS), fee=D("0.00"), key="b")
    _sale(three, at=datetime(2026, 3, 15, 12, tzinfo=PARIS), fee=D("0.39"), transfer=False, key="c")
    _sale(four, at=datetime(2026, 3, 31, 23, 59, tzinfo=PARIS), fee=D("0.48"), key="d")
    # A partial refund of the third: 5.00 back, of which 0.25 commission (policy: refunded).
    refund = {
        "currency": "EUR",
        "town_id": town.pk,
        "order_id": three.order_id,
        "shop_order_id": three.pk,
        "vendor_id": baker.pk,
        "occurred_at": datetime(2026, 3, 20, tzinfo=PARIS),
    }
    ledger_record(key="c:refund", kind="refund", amount=D("5.00"), **refund)
    ledger_record(key="c:refund_shop", kind="refund_shop", amount=D("4.75"), **refund)
    ledger_record(key="c:commission_refund", kind="commission_refund", amount=D("0.25"), **refund)
    ledger_record(
        key="d:reversal",
        kind="reversal",
        amount=D("1.00"),
        **{**refund, "order_id": four.order_id, "shop_order_id": four.pk, "vendor_id": loose.pk},
    )
    # Outside the month (Paris time) or the town: never counted.
    five = ShopOrderFactory(
        order__town=town, vendor=baker, subtotal=D("100.00"), commission=D("5.00")
    )
    _sale(five, at=datetime(2026, 4, 1, 0, 0, tzinfo=PARIS), fee=D("1.00"), key="e")
    elsewhere = ShopOrderFactory(
        order__town=TownFactory(slug="nancy"), subtotal=D("7.00"), commission=D("0.35")
    )
    _sale(elsewhere, at=datetime(2026, 3, 10, tzinfo=PARIS), fee=D("0.20"), key="f")
    return town


def test_every_figure_ties_to_the_ledger_to_the_cent(gql, month):
    report = gql.execute(REPORT, {"year": 2026, "month": 3})["transparencyReport"]

    totals = ledger_totals_by_kind(town_id=month.pk, year=2026, month=3)
    assert report["orders"] == 3
    assert report["gross"] == {"amount": str(totals["charge"]), "currency": "EUR"}
    assert D(report["gross"]["amount"]) == D("28.30") + D("41.15") + D("9.99") + D("15.00")
    assert D(report["commissionCharged"]["amount"]) == totals["commission"] == D("4.48")
    assert D(report["commissionRefunded"]["amount"]) == totals["commission_refund"] == D("0.25")
    assert D(report["commission"]["amount"]) == D("4.23")
    assert D(report["stripeFees"]["amount"]) == totals["stripe_fee"] == D("2.19")
    assert D(report["reversals"]["amount"]) == totals["reversal"] == D("1.00")
    assert (
        D(report["transfers"]["amount"]) == totals["transfer"] - totals["reversal"] == D("79.47")
    )  # 27.13 + 39.09 + 14.25 − 1.00
    assert D(report["refunds"]["amount"]) == totals["refund"] == D("5.00")
    assert report["byCategory"] == [
        {"category": "boulangerie", "gross": {"amount": "38.29"}, "commission": {"amount": "1.42"}},
        {"category": "fromagerie", "gross": {"amount": "41.15"}, "commission": {"amount": "2.06"}},
        {"category": None, "gross": {"amount": "15.00"}, "commission": {"amount": "0.75"}},
    ]
    by_category_gross = sum(D(row["gross"]["amount"]) for row in report["byCategory"])
    by_category_commission = sum(D(row["commission"]["amount"]) for row in report["byCategory"])
    assert by_category_gross == D(report["gross"]["amount"])
    assert by_category_commission == D(report["commission"]["amount"])
    entries = ledger_entries(town_id=month.pk, year=2026, month=3)
    assert sum(e.amount for e in entries if e.kind == "charge") == D(report["gross"]["amount"])


def test_a_month_without_movements_is_all_zeros(gql, month):
    report = gql.execute(REPORT, {"year": 2026, "month": 5})["transparencyReport"]

    assert report["orders"] == 0
    assert report["gross"] == {"amount": "0.00", "currency": "EUR"}
    assert report["byCategory"] == []


def test_an_invalid_month_is_a_coded_error(gql, month):
    body = gql.execute(REPORT, {"year": 2026, "month": 13}, expect_errors=True)

    assert body["errors"][0]["extensions"]["code"] == "INVALID_PERIOD"


def test_the_report_downloads_as_csv_and_json_at_a_stable_url(client, gql, month):
    as_csv = client.get("/open-data/montpellier/transparency/2026-03.csv")
    as_json = client.get("/open-data/montpellier/transparency/2026-03.json")
    report = gql.execute(REPORT, {"year": 2026, "month": 3})["transparencyReport"]

    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert rows[0] == {
        "town": "montpellier",
        "year": "2026",
        "month": "3",
        "category": "*",
        "orders": "3",
        "gross": "94.44",
        "commission": "4.23",
        "commission_charged": "4.48",
        "commission_refunded": "0.25",
        "stripe_fees": "2.19",
        "transfers": "79.47",
        "reversals": "1.00",
        "refunds": "5.00",
        "disputes": "0.00",
        "currency": "EUR",
    }
    assert [(r["category"], r["gross"], r["commission"]) for r in rows[1:]] == [
        ("boulangerie", "38.29", "1.42"),
        ("fromagerie", "41.15", "2.06"),
        ("", "15.00", "0.75"),
    ]
    document = as_json.json()
    assert document["gross"] == report["gross"]["amount"]
    assert document["commission"] == report["commission"]["amount"]
    assert document["by_category"][0] == {
        "category": "boulangerie",
        "gross": "38.29",
        "commission": "1.42",
    }
    assert client.get("/open-data/montpellier/transparency/2026-13.json").status_code == 404
