"""The SVG charts' geometry (inspections.rankings.charts): on a 375 px phone their labels are
12 px on screen, so a chart is PHONE_WIDTH wide or brings a copy that wide, and labels that
would overlap at 12 px are thinned out."""

from decimal import Decimal

from inspections.rankings.charts import PHONE_WIDTH, bar_chart, hbar_chart, line_chart

MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]


def test_a_wide_line_chart_brings_a_phone_copy_with_every_other_label():
    chart = line_chart([(label, Decimal(80)) for label in MONTHS], low=0, high=100)
    assert chart.width == 640 and chart.phone is not None
    assert chart.phone.width == PHONE_WIDTH and chart.phone.phone is None
    # 640 wide: 51 px between months, room for each 2026-01 at 12 px; 300 wide: 20 px, every third.
    assert all(point.labelled for point in chart.points[1:])
    labelled = [point.label for point in chart.phone.points if point.labelled]
    assert labelled == ["2026-03", "2026-06", "2026-09", "2026-12"]   # the latest always


def test_a_phone_wide_line_chart_has_no_copy_and_a_lone_point_is_labelled():
    chart = line_chart([("2026-01", 70)], low=0, high=100, width=PHONE_WIDTH, height=160)
    assert chart.phone is None and [point.labelled for point in chart.points] == [True]


def test_bar_charts_are_phone_wide_and_thin_out_their_labels():
    weeks = [f"11-{day:02d}" for day in range(1, 13)]
    chart = bar_chart(weeks, [[1] * 12, [2] * 12])
    assert chart.width == PHONE_WIDTH
    # 12 groups in 260 px: 21.7 px each, a 40 px label every second one.
    assert [text for _x, _y, text in chart.labels] == weeks[::2]
    assert hbar_chart([("涧河街道", 3)]).width == PHONE_WIDTH
