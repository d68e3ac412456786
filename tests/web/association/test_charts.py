"""The server-side SVG charts' geometry: round ticks, bars in proportion to their values."""

from decimal import Decimal

import pytest

from marketplace.storefront.association.charts import bar_chart, column_chart, nice_ceiling

D = Decimal


@pytest.mark.parametrize(
    ("value", "minimum", "top"),
    [
        (D("0"), D("0"), D("1")),
        (D("2.50"), D("0"), D("4")),
        (D("69.45"), D("0"), D("80")),
        (D("80"), D("0"), D("80")),
        (D("1234.56"), D("0"), D("2000")),
        (D("3"), D("4"), D("4")),
        (D("9"), D("4"), D("10")),
    ],
)
def test_the_top_of_the_scale_is_round_and_covers_the_values(value, minimum, top):
    assert nice_ceiling(value, minimum=minimum) == top


def test_columns_are_in_proportion_and_ticks_are_quarters_of_the_top():
    chart = column_chart(labels=["a", "b"], series=[[D("40"), D("80")], [D("20"), D("0")]])

    assert [tick.value for tick in chart.ticks] == [D("0"), D("20"), D("40"), D("60"), D("80")]
    heights = [bar.height for bar in chart.bars]
    plot = chart.plot_bottom - chart.plot_top
    assert heights == [round(plot / 2, 2), round(plot / 4, 2), round(plot, 2), 0.0]
    assert all(bar.y + bar.height == pytest.approx(chart.plot_bottom) for bar in chart.bars)


def test_bars_are_in_proportion_to_the_largest_and_a_zero_has_no_bar():
    chart = bar_chart(rows=[("shops", D("50.00")), ("fees", D("12.50")), ("none", D("0.00"))])

    span = chart.plot_right - chart.plot_left
    assert [bar.width for bar in chart.bars] == [round(span, 2), round(span / 4, 2), 0.0]
    assert [label.text for label in chart.labels] == ["shops", "fees", "none"]
