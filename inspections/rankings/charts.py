"""Server-rendered SVG line charts: geometry computed here, drawn by the template."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class ChartPoint:
    x: float
    y: float
    label: str
    value: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    bottom: int
    points: list[ChartPoint]
    y_ticks: list[tuple[float, str]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def line_chart(
    series: list[tuple[str, Decimal | int | None]], *, low: float, high: float, invert: bool = False,
    ticks: int = 5, width: int = 640, height: int = 220,
) -> Chart:
    """Place (label, value) pairs on a chart from `low` to `high` (`invert`: low at the top, as
    for ranks). Missing values are skipped."""
    left, right, top, bottom = 44, 32, 12, height - 28
    span = (high - low) or 1
    step = (width - left - right) / max(len(series) - 1, 1)

    def y_of(value: float) -> float:
        share = (value - low) / span
        return top + (share if invert else 1 - share) * (bottom - top)

    points = [
        ChartPoint(left + index * step, y_of(float(value)), label, str(value))
        for index, (label, value) in enumerate(series) if value is not None
    ]
    # Whole-number ticks, drawn where the whole number is.
    tick_values = sorted({round(low + span * n / max(ticks - 1, 1)) for n in range(ticks)})
    y_ticks = [(y_of(v), str(v)) for v in tick_values]
    return Chart(width, height, left, bottom, points, y_ticks)
