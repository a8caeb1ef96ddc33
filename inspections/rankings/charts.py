"""Server-rendered SVG line charts: geometry computed here, drawn by the template."""

import math
from dataclasses import dataclass
from decimal import Decimal

# Every chart's labels are 12 px in the SVG's own units (the template's font-size). A chart is drawn
# at its width or narrower (site.css: max-width 100%), never wider, so its labels are 12 px on screen
# as long as the column holds it whole. The narrowest column a chart sits in on a 375 px phone is a
# home card's body (about 319 px): a chart PHONE_WIDTH wide is drawn there at its own size. A wider
# chart (the 640 px trend) brings a PHONE_WIDTH copy that the template shows below the sm breakpoint.
PHONE_WIDTH = 300
FONT_SIZE = 12
# The room a label under the axis needs at 12 px: "2026-11" is about 47 px, "11-30" about 33 px.
LABEL_ROOM = {"month": 50, "day": 40}


@dataclass
class ChartPoint:
    x: float
    y: float
    label: str
    value: str
    labelled: bool = True     # its label is written under the axis (every k-th when they crowd)


@dataclass
class Chart:
    width: int
    height: int
    left: int
    bottom: int
    points: list[ChartPoint]
    y_ticks: list[tuple[float, str]]
    phone: "Chart | None" = None    # the same chart PHONE_WIDTH wide, when this one is wider

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def line_chart(
    series: list[tuple[str, Decimal | int | None]], *, low: float, high: float, invert: bool = False,
    ticks: int = 5, width: int = 640, height: int = 220,
) -> Chart:
    """Place (label, value) pairs on a chart from `low` to `high` (`invert`: low at the top, as
    for ranks). Missing values are skipped. A chart wider than PHONE_WIDTH carries a copy that
    wide for a phone, where the wide one would shrink its labels below 12 px."""
    left, right, top, bottom = 44, 32, 12, height - 28
    span = (high - low) or 1
    step = (width - left - right) / max(len(series) - 1, 1)

    def y_of(value: float) -> float:
        share = (value - low) / span
        return top + (share if invert else 1 - share) * (bottom - top)

    every = math.ceil(LABEL_ROOM["month"] / step) if len(series) > 1 else 1
    points = [
        ChartPoint(left + index * step, y_of(float(value)), label, str(value),
                   labelled=(len(series) - 1 - index) % every == 0)    # the latest always
        for index, (label, value) in enumerate(series) if value is not None
    ]
    # Whole-number ticks, drawn where the whole number is.
    tick_values = sorted({round(low + span * n / max(ticks - 1, 1)) for n in range(ticks)})
    y_ticks = [(y_of(v), str(v)) for v in tick_values]
    phone = (line_chart(series, low=low, high=high, invert=invert, ticks=ticks, width=PHONE_WIDTH,
                        height=min(height, 200)) if width > PHONE_WIDTH else None)
    return Chart(width, height, left, bottom, points, y_ticks, phone)


@dataclass
class Bar:
    """Coordinates rounded to 0.1 here, so the template writes them as they are."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    series: int


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str]]   # x, y, text
    y_ticks: list[tuple[float, str]]
    horizontal: bool = False


def bar_chart(
    labels: list[str], series: list[list[int]], *, width: int = PHONE_WIDTH, height: int = 200,
) -> BarChart:
    """Vertical bars, one group per label and one bar per series in each group (a week's items
    filed beside those closed). PHONE_WIDTH wide: drawn at its own size on a 375 px phone, its
    12 px labels stay 12 px; every k-th label is written when they would crowd."""
    left, right, top, bottom = 32, 8, 10, height - 22
    high = max([value for values in series for value in values] + [1])
    group = (width - left - right) / max(len(labels), 1)
    bar_width = group * 0.8 / max(len(series), 1)
    bars = []
    for index, label in enumerate(labels):
        for number, values in enumerate(series):
            value = values[index]
            bar_height = (bottom - top) * value / high
            bars.append(Bar(round(left + index * group + group * 0.1 + number * bar_width, 1),
                            round(bottom - bar_height, 1), round(bar_width, 1),
                            round(bar_height, 1), label, str(value), number))
    step = math.ceil(LABEL_ROOM["day"] / group) if labels else 1
    label_marks: list[tuple[float, float, str]] = [
        (round(left + index * group + group / 2, 1), bottom + 14, label)
        for index, label in enumerate(labels) if index % step == 0
    ]
    ticks = sorted({0, round(high / 2), high})
    y_ticks = [(round(bottom - (bottom - top) * tick / high, 1), str(tick)) for tick in ticks]
    return BarChart(width, height, bars, label_marks, y_ticks)


def hbar_chart(rows: list[tuple[str, int]], *, width: int = PHONE_WIDTH,
               row_height: int = 22) -> BarChart:
    """Horizontal bars, one per (label, value), for labels too long to write under a bar
    (units, categories): the label above its bar, the value at its end."""
    high = max([value for _label, value in rows] + [1])
    left, right = 4, 40
    bars: list[Bar] = []
    labels: list[tuple[float, float, str]] = []
    for index, (label, value) in enumerate(rows):
        y = index * row_height * 2
        bar_width = (width - left - right) * value / high
        labels.append((left, y + 12, label))
        labels.append((round(left + bar_width + 4, 1), y + 26, str(value)))
        bars.append(Bar(left, y + 16, round(bar_width, 1), row_height - 8, label, str(value), 0))
    return BarChart(width, max(len(rows), 1) * row_height * 2, bars, labels, [], horizontal=True)
