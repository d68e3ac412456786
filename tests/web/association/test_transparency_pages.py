"""The public transparency page with Django's test client: every figure is the ledger's, to the cent."""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.governance.transparency import transparency_report
from payments.ledger import ledger_record, ledger_totals_by_kind
from tests.factories import CategoryFactory, ShopOrderFactory, VendorFactory
from tests.governance.factories import CommissionRuleFactory

pytestmark = pytest.mark.django_db

D = Decimal
PARIS = ZoneInfo("Europe/Paris")


def record_sale(shop_order, *, at, fee, key, refund=None):
    """What payments book for a paid and transferred shop order (and an optional refund)."""
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
    ledger_record(key=f"{key}:com", kind="commission", amount=shop_order.commission, **common)
    ledger_record(key=f"{key}:fee", kind="stripe_fee", amount=fee, **common)
    ledger_record(key=f"{key}:transfer", kind="transfer", amount=shop_order.payout, **common)
    if refund:
        amount, commission = refund
        ledger_record(key=f"{key}:refund", kind="refund", amount=amount, **common)
        ledger_record(
            key=f"{key}:refund_shop", kind="refund_shop", amount=amount - commission, **common
        )
        ledger_record(
            key=f"{key}:com_refund", kind="commission_refund", amount=commission, **common
        )
        ledger_record(key=f"{key}:reversal", kind="reversal", amount=amount - commission, **common)


@pytest.fixture
def march(rennes, nancy):
    bakery = CategoryFactory(slug="boulangerie", name="Boulangerie")
    cheese = CategoryFactory(slug="fromagerie", name="Fromagerie")
    baker = VendorFactory(town=rennes, category=bakery)
    cheesemonger = VendorFactory(town=rennes, category=cheese)
    one = ShopOrderFactory(
        order__town=rennes,
        vendor=baker,
        subtotal=D("23.40"),
        delivery_fee=D("4.90"),
        commission=D("1.17"),
    )
    two = ShopOrderFactory(
        order__town=rennes, vendor=cheesemonger, subtotal=D("41.15"), commission=D("2.06")
    )
    record_sale(one, at=datetime(2026, 3, 1, 0, 30, tzinfo=PARIS), fee=D("0.66"), key="a")
    record_sale(
        two,
        at=datetime(2026, 3, 18, 9, tzinfo=PARIS),
        fee=D("0.87"),
        key="b",
        refund=(D("10.00"), D("0.50")),
    )
    # February in Paris (23:59 on the 28th), and another town: never counted in March.
    feb = ShopOrderFactory(
        order__town=rennes, vendor=baker, subtotal=D("99.99"), commission=D("5.00")
    )
    record_sale(feb, at=datetime(2026, 2, 28, 23, 59, tzinfo=PARIS), fee=D("1.00"), key="c")
    other = ShopOrderFactory(order__town=nancy, subtotal=D("7.00"), commission=D("0.35"))
    record_sale(other, at=datetime(2026, 3, 10, tzinfo=PARIS), fee=D("0.20"), key="d")
    return rennes


def _figures(page):
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', page))


def test_the_public_page_needs_no_account_and_lists_the_towns(client, rennes, nancy):
    response = client.get("/transparence/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/transparence/rennes/"' in page and 'href="/transparence/nancy/"' in page


def test_every_figure_of_the_month_equals_the_ledger_to_the_cent(client, march):
    response = client.get("/transparence/rennes/", {"mois": "2026-03"})

    assert response.status_code == 200
    totals = ledger_totals_by_kind(town_id=march.pk, year=2026, month=3)
    report = response.context["report"]
    assert report == transparency_report(town=march, year=2026, month=3)
    assert report.gross == totals["charge"] == D("28.30") + D("41.15")
    assert report.commission == totals["commission"] - totals["commission_refund"] == D("2.73")
    assert report.stripe_fees == totals["stripe_fee"] == D("1.53")
    assert report.refunds == totals["refund"] == D("10.00")
    assert report.transfers == totals["transfer"] - totals["reversal"] == D("56.72")
    assert _figures(response.content.decode()) == {
        "orders": "2",
        "gross": "69,45\u00a0€",
        "commission": "2,73\u00a0€",
        "commission_charged": "3,23\u00a0€",
        "commission_refunded": "0,50\u00a0€",
        "stripe_fees": "1,53\u00a0€",
        "refunds": "10,00\u00a0€",
        "disputes": "0,00\u00a0€",
        "transfers": "56,72\u00a0€",
        "reversals": "9,50\u00a0€",
    }


def test_the_charts_are_svg_images_with_a_title_and_their_figures_in_tables(client, march):
    page = client.get("/transparence/rennes/", {"mois": "2026-03"}).content.decode()

    svgs = re.findall(r"<svg [^>]*>", page)
    assert len(svgs) == 3
    assert all('role="img"' in svg and "aria-labelledby" in svg for svg in svgs)
    assert page.count("<title id=") == 3 and page.count("<desc id=") == 3
    categories = page[page.index('id="category-figures"') :]
    assert "Boulangerie" in categories and "28,30\u00a0€" in categories
    assert "Fromagerie" in categories and "41,15\u00a0€" in categories
    trend = page[page.index('id="trend-figures"') :]
    assert "février 2026" in trend and "99,99\u00a0€" in trend
    assert "<script" not in page.split("</footer>")[0]  # no chart library


def test_the_rules_in_force_and_their_history_are_public(client, rennes):
    old = CommissionRuleFactory(
        town=rennes, percentage=D("5"), valid_until=timezone.now(), ended_at=timezone.now()
    )
    current = CommissionRuleFactory(
        town=rennes, percentage=D("4.5"), previous=old, valid_from=timezone.now()
    )

    response = client.get("/transparence/rennes/")

    assert [v.rule for v in response.context["rules_in_force"]] == [current]
    assert [v.rule for v in response.context["versions"]] == [current, old]
    page = response.content.decode()
    in_force = page[page.index('id="rules-in-force"') :]
    assert "4,5 %" in in_force
    assert 'href="/open-data/rennes/commission-rules.csv"' in page


def test_the_downloads_of_the_month_are_linked(client, march):
    page = client.get("/transparence/rennes/", {"mois": "2026-03"}).content.decode()

    assert 'href="/open-data/rennes/transparency/2026-03.csv"' in page
    assert 'href="/open-data/rennes/transparency/2026-03.json"' in page


@pytest.mark.parametrize("month", ["2026-13", "march", "2999-01", "1999-12"])
def test_a_bad_month_is_an_error_and_shows_this_month(client, rennes, month):
    response = client.get("/transparence/rennes/", {"mois": month})

    assert response.status_code == 400
    assert "Choisissez un mois dans la liste" in response.content.decode()
    now = timezone.now().astimezone(PARIS)
    assert (response.context["month"].year, response.context["month"].month) == (
        now.year,
        now.month,
    )


def test_an_unknown_town_is_a_404(client, db):
    assert client.get("/transparence/nowhere/").status_code == 404


def test_the_page_speaks_english_on_request(client, march):
    page = client.get(
        "/transparence/rennes/", {"mois": "2026-03"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "Where the money goes in Rennes" in page
    assert "€69.45" in page


def test_the_public_page_costs_the_same_queries_whatever_the_number_of_categories_and_rules(
    client, march
):
    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get("/transparence/rennes/", {"mois": "2026-03"})
        return len(captured.captured_queries)

    before = count()
    for n in range(5):
        vendor = VendorFactory(town=march, category=CategoryFactory())
        CommissionRuleFactory(town=march, vendor=vendor)
        sale = ShopOrderFactory(order__town=march, vendor=vendor, commission=D("0.10"))
        record_sale(sale, at=datetime(2026, 3, 5, tzinfo=PARIS), fee=D("0.01"), key=f"n{n}")

    assert count() == before
