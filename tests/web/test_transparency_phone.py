"""The public transparency page on a phone (360 px wide) in Chromium: every chart fits the width
and none of its text is drawn smaller than 12 px (the drawings scaled to the width made it 6 px);
bars keep the proportions of their figures; axe-core passes. At 1280 px the drawings are shown."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from payments.ledger import ledger_record
from tests.factories import CategoryFactory, ShopOrderFactory, TownFactory, VendorFactory

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal
PHONE = (360, 780)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Per visible chart: its box, and the smallest size its text is drawn at (an SVG's text is scaled
# with its drawing: its font size times the drawing's scale on the screen).
MEASURE_CHARTS = """
const shown = [...document.querySelectorAll('.chart')].filter(c => c.getClientRects().length);
return shown.map(chart => {
  const box = chart.getBoundingClientRect();
  let smallest = Infinity;
  const walker = document.createTreeWalker(chart, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    if (el.closest('title, desc')) continue;
    const scale = el instanceof SVGGraphicsElement ? el.getScreenCTM().a : 1;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize) * scale);
  }
  return {id: chart.getAttribute('aria-labelledby').split(' ')[0], left: box.left,
          right: box.right, width: box.width, text: chart.innerText, smallest: smallest};
});
"""


@pytest.fixture
def rennes_month(db):
    """A month of Rennes with one sale of a bakery: 42,50 € paid, 40,37 € to the shop, 2,13 €
    commission, 0,89 € Stripe fees (as the ledger has them)."""
    town = TownFactory(slug="rennes", name="Rennes", timezone="Europe/Paris")
    bakery = VendorFactory(
        town=town,
        name="La Fournée",
        category=CategoryFactory(slug="boulangerie", name="Boulangerie"),
    )
    shop_order = ShopOrderFactory(
        order__town=town, vendor=bakery, subtotal=D("42.50"), commission=D("2.13")
    )
    common = {
        "currency": "EUR",
        "town_id": town.pk,
        "order_id": shop_order.order_id,
        "shop_order_id": shop_order.pk,
        "vendor_id": bakery.pk,
        "occurred_at": timezone.now(),
    }
    for kind, amount in (
        ("charge", "42.50"),
        ("shop_share", "40.37"),
        ("commission", "2.13"),
        ("stripe_fee", "0.89"),
        ("transfer", "40.37"),
    ):
        ledger_record(key=f"p:{kind}", kind=kind, amount=D(amount), **common)
    return town


def on_a_phone(web):
    web.driver.set_window_size(*PHONE)
    width = web.driver.execute_script("return document.documentElement.clientWidth")
    if width != PHONE[0]:  # the window's frame takes some: make the page itself 360 px wide
        web.driver.set_window_size(PHONE[0] + PHONE[0] - width, PHONE[1])
    assert web.driver.execute_script("return document.documentElement.clientWidth") == PHONE[0]


def whole_page_screenshot(web, name):
    """The whole page at the window's width, under var/screenshots/ (to look at; not committed)."""
    width = web.driver.get_window_size()["width"]
    height = web.driver.execute_script("return document.documentElement.scrollHeight")
    web.driver.set_window_size(width, height + 200)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    web.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def bar_lengths(web, chart_id):
    """The length of each bar of the chart shown, in screen pixels (a stacked bar is a meter: its
    filled part of its width)."""
    return web.driver.execute_script(
        "return [...document.querySelectorAll('.chart')]"
        ".filter(c => c.getClientRects().length"
        " && c.getAttribute('aria-labelledby').startsWith(arguments[0]))"
        ".flatMap(c => [...c.querySelectorAll('meter')]"
        ".map(m => m.getBoundingClientRect().width * m.value / m.max))",
        f"{chart_id}-title",
    )


def test_on_a_phone_the_charts_fit_the_width_and_their_text_is_readable(web, rennes_month):
    web.open("/transparence/rennes/")
    web.wait_for("#month-figures")
    on_a_phone(web)

    charts = web.driver.execute_script(MEASURE_CHARTS)

    assert [c["id"] for c in charts] == ["flows-title", "categories-title", "trend-title"]
    for chart in charts:
        assert chart["left"] >= 0 and chart["right"] <= PHONE[0], chart
        assert chart["width"] > PHONE[0] / 2, chart  # a chart, not a thumbnail
        assert chart["smallest"] >= 12, chart
    flows = charts[0]["text"].replace("\u00a0", " ")
    assert "Aux commerces" in flows and "40,37 €" in flows and "2,13 €" in flows
    assert "Boulangerie" in charts[1]["text"] and "42,50" in charts[1]["text"]
    # the page itself does not scroll sideways
    assert web.driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    # the bars keep the proportions of their figures: to the shops, commission, fees, refunds, …
    to_shops, commission, fees, refunds, chargebacks = bar_lengths(web, "flows")
    assert to_shops > PHONE[0] / 2
    assert commission / to_shops == pytest.approx(2.13 / 40.37, abs=0.01)
    assert fees / to_shops == pytest.approx(0.89 / 40.37, abs=0.01)
    assert refunds == chargebacks == 0
    # this month's sales and commission, drawn on the columns' scale, are the last two bars
    trend = bar_lengths(web, "trend")
    assert len(trend) == 24 and trend[:-2] == [0] * 22
    assert trend[-1] / trend[-2] == pytest.approx(2.13 / 42.50, abs=0.01)
    assert web.axe() == []
    whole_page_screenshot(web, "transparency-phone-360")


def test_on_a_wide_screen_the_drawings_are_shown_with_text_of_12_px_at_least(web, rennes_month):
    web.open("/transparence/rennes/")
    web.wait_for("#month-figures")

    charts = web.driver.execute_script(MEASURE_CHARTS)

    assert [c["id"] for c in charts] == ["flows-title", "categories-title", "trend-title"]
    assert len(web.find_all("svg.chart[role=img]:not([hidden])")) == 3
    for chart in charts:
        assert chart["smallest"] >= 12, chart
    assert web.axe() == []
