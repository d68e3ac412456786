"""Charts drawn on the server as SVG geometry (no JavaScript, no CDN): the template draws the
rectangles and labels computed here, and shows the same figures as a table beside the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from marketplace.core.money import ZERO


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    series: int
    label: str

    @property
    def end(self) -> float:
        return self.x + self.width


@dataclass(frozen=True)
class Tick:
    position: float
    value: Decimal
    label_x: float = 0


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    plot_left: float = 0
    plot_right: float = 0
    plot_top: float = 0
    plot_bottom: float = 0

    @property
    def plot_width(self) -> float:
        """The longest a horizontal bar can be (a bar chart's `Bar.width` is out of this)."""
        return self.plot_right - self.plot_left

    @property
    def plot_height(self) -> float:
        """The tallest a column can be (a column chart's `Bar.height` is out of this): the phone
        layout draws columns as bars of that length."""
        return self.plot_bottom - self.plot_top


def nice_ceiling(value: Decimal, *, minimum: Decimal = ZERO) -> Decimal:
    """The smallest of 1, 2, 4, 8 × 10^k that is ≥ value and ≥ minimum (1 for nothing to show).

    Its quarters (the chart's ticks) are round: 0.25, 0.5, 1, 2 × 10^k.
    """
    value = max(Decimal(value), minimum)
    if value <= ZERO:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal(4), Decimal(8), Decimal(10)):
        candidate = step.scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)  # pragma: no cover - the loop always returns


def column_chart(
    *,
    labels: Sequence[str],
    series: Sequence[Sequence[Decimal]],
    width: int = 640,
    height: int = 260,
    minimum_top: Decimal = ZERO,
) -> Chart:
    """Grouped vertical columns: one group per label, one column per series.

    `minimum_top=4` for counts keeps every tick a whole number."""
    chart = Chart(width=width, height=height, plot_left=96, plot_right=width - 8, plot_top=12)
    chart.plot_bottom = height - 34
    top = nice_ceiling(
        max((v for values in series for v in values), default=ZERO), minimum=minimum_top
    )
    plot_height = chart.plot_bottom - chart.plot_top
    chart.ticks = [
        Tick(
            position=chart.plot_bottom - plot_height * i / 4,
            value=top * i / 4,
            label_x=chart.plot_left - 6,
        )
        for i in range(5)
    ]
    groups = max(len(labels), 1)
    group_width = (chart.plot_right - chart.plot_left) / groups
    bar_width = group_width * 0.8 / max(len(series), 1)
    for g, label in enumerate(labels):
        left = chart.plot_left + g * group_width + group_width * 0.1
        chart.labels.append(Label(x=left + group_width * 0.4, y=height - 14, text=label))
        for s, values in enumerate(series):
            value = values[g]
            bar_height = float(value / top) * plot_height if value > ZERO else 0.0
            chart.bars.append(
                Bar(
                    x=round(left + s * bar_width, 2),
                    y=round(chart.plot_bottom - bar_height, 2),
                    width=round(bar_width, 2),
                    height=round(bar_height, 2),
                    value=value,
                    series=s,
                    label=label,
                )
            )
    return chart


def bar_chart(
    *, rows: Sequence[tuple[str, Decimal]], width: int = 640, row_height: int = 30
) -> Chart:
    """Horizontal bars, one per row, labelled on the left, the value at the end of the bar."""
    height = row_height * max(len(rows), 1) + 8
    chart = Chart(width=width, height=height, plot_left=170, plot_right=width - 110, plot_top=4)
    chart.plot_bottom = height - 4
    top = max((value for _label, value in rows), default=ZERO)
    span = chart.plot_right - chart.plot_left
    for i, (label, value) in enumerate(rows):
        y = chart.plot_top + i * row_height
        bar_width = float(value / top) * span if top > ZERO and value > ZERO else 0.0
        chart.bars.append(
            Bar(
                x=chart.plot_left,
                y=y + 4,
                width=round(bar_width, 2),
                height=row_height - 10,
                value=value,
                series=0,
                label=label,
            )
        )
        chart.labels.append(Label(x=chart.plot_left - 8, y=y + row_height / 2 + 4, text=label))
    return chart
