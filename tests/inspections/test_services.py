import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from campaign.importing import RowError, csv_text
from campaign.models import Point
from campaign.periods import Month
from inspections import services, workflow
from inspections.models import Inspection, Rectification
from inspections.points import export_points, import_points
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai

@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the pages are checked in Chinese elsewhere."""
    with translation.override("en"):
        yield


@pytest.fixture
def chinese():
    """For a test that reads a message as people read it, in Chinese, despite `_english`."""
    with translation.override("zh-hans"):
        yield


def _csv(headers, *rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("points.csv", csv_text(headers, rows).encode())


def test_sample_is_reproducible_and_stratified(tree):
    points = [factories.PointFactory(unit=tree["street_a"], kind="back_street") for _ in range(6)]
    points += [factories.PointFactory(unit=tree["street_a"], kind="market") for _ in range(2)]
    points += [factories.PointFactory(unit=tree["street_b"], kind="back_street") for _ in range(4)]
    first = services.draw_sample(points, 6, seed=42)
    assert [p.pk for p in first] == [p.pk for p in services.draw_sample(points, 6, seed=42)]
    strata = sorted((p.unit_id, p.kind) for p in first)
    # 12 points in three strata (6, 2, 4): each gets one, the other three go by size.
    assert strata.count((tree["street_a"].pk, "back_street")) == 3
    assert strata.count((tree["street_a"].pk, "market")) == 1
    assert strata.count((tree["street_b"].pk, "back_street")) == 2
    assert len(services.draw_sample(points, 50, seed=1)) == 12


def test_visit_files_items_and_keeps_points_in_step(tree, people):
    campaign = tree["city"].campaign
    standard = factories.StandardFactory(campaign=campaign)
    applies = factories.CriterionFactory(category__standard=standard, points=Decimal("2.5"),
                                         deadline_days=7, point_kinds=["back_street"])
    also = factories.CriterionFactory(category=applies.category, points=Decimal("1"),
                                      deadline_days=0)
    factories.CriterionFactory(category=applies.category, points=5, point_kinds=["market"])
    point = factories.PointFactory(unit=tree["lane_a"], kind="back_street")
    at = timezone.make_aware(dt.datetime(2019, 6, 3, 10, 30))
    with time_machine.travel(at):
        visit = services.record_visit(
            point=point, by=people["inspector"], mode="open", visited_at=at,
            findings=[services.FindingInput(criterion=applies, note="垃圾堆放"),
                      services.FindingInput(criterion=also)],
        )
    assert (visit.points_possible, visit.points_deducted) == (Decimal("3.5"), Decimal("3.5"))
    items = Rectification.objects.filter(finding__inspection=visit).order_by("pk")
    assert [(i.unit, i.deadline.isoformat()) for i in items] == [
        (tree["lane_a"], "2019-06-10T15:59:59+00:00"), (tree["lane_a"], "2019-06-03T15:59:59+00:00")]


def test_a_criterion_for_another_kind_is_refused(tree, people):
    market_only = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                             point_kinds=["market"])
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    with pytest.raises(services.InspectionError, match="does not apply"):
        services.record_visit(point=point, by=people["inspector"], mode="open",
                              visited_at=timezone.now(),
                              findings=[services.FindingInput(criterion=market_only)])
    assert Inspection.objects.count() == 0


def test_point_import_all_or_nothing(tree, people):
    campaign = tree["city"].campaign
    data = _csv(["code", "name", "kind", "unit_code", "latitude"],
                ["P1", "东街", "back_street", tree["street_a"].code, "37.87"],
                ["P2", "", "集市", "NOPE", "abc"],
                ["P1", "重复", "market", tree["street_a"].code, ""])
    result = import_points(campaign, data, by=people["coordinator"])
    assert [error.row for error in result.errors] == [3, 4]
    assert "name" in result.errors[0].message and "NOPE" in result.errors[0].message
    assert Point.objects.count() == 0
    good = _csv(["code", "name", "kind", "unit_code"], ["P1", "东街", "背街小巷", tree["street_a"].code])
    result = import_points(campaign, good, by=people["coordinator"])
    assert (len(result.created), result.errors) == (1, [])
    assert Point.objects.get(code="P1").kind == "back_street"


def test_points_round_trip_through_xlsx(tree, people):
    factories.PointFactory(unit=tree["street_a"], code="A-1", name="一号")
    data = SimpleUploadedFile("points.xlsx", export_points(Point.objects.all(), "xlsx"))
    result = import_points(tree["city"].campaign, data, by=people["coordinator"])
    assert (len(result.created), len(result.updated), result.errors) == (0, 1, [])


def test_unit_figures_exact(tree, people, photo):
    inspector, staff, coordinator = people["inspector"], people["staff"], people["coordinator"]
    zone = dt.timezone(dt.timedelta(hours=8))
    day = dt.datetime(2019, 7, 1, 9, tzinfo=zone)
    deadline = day + dt.timedelta(days=3)
    file = lambda: workflow.file_rectification(  # noqa: E731
        unit=tree["lane_a"], title="t", by=inspector, deadline=deadline, at=day)
    on_time = file()
    workflow.submit(on_time, by=staff, version=None, photos=[photo], at=day + dt.timedelta(days=1))
    workflow.close(on_time, by=coordinator, version=None, method="service",
                   at=day + dt.timedelta(days=2))
    late = file()
    workflow.submit(late, by=staff, version=None, photos=[photo], at=day + dt.timedelta(days=5))
    reworked = file()
    workflow.submit(reworked, by=staff, version=None, photos=[photo], at=day + dt.timedelta(days=1))
    workflow.return_for_rework(reworked, by=inspector, version=None, reason="x",
                               at=day + dt.timedelta(days=2))
    extended = file()
    workflow.extend_deadline(extended, by=coordinator, version=None, reason="x",
                             deadline=deadline + dt.timedelta(days=30))
    voided = file()
    workflow.void(voided, by=coordinator, version=None, reason="x")
    now = day + dt.timedelta(days=10)
    figures = services.unit_figures(tree["street_a"], Month(2019, 7), now=now)
    assert (figures.filed, figures.disposed, figures.disposed_on_time, figures.closed,
            figures.closed_on_time, figures.reworked, figures.extended, figures.overdue_now) == (
        4, 2, 1, 1, 1, 1, 1, 1)
    assert figures.rates == {"disposed": Decimal("50.0"), "disposed_on_time": Decimal("25.0"),
                             "closed": Decimal("25.0"), "closed_on_time": Decimal("25.0"),
                             "reworked": Decimal("25.0"), "extended": Decimal("25.0")}
    assert services.unit_figures(tree["street_b"], Month(2019, 7), now=now).rates["closed"] is None


def test_unit_figures_leave_out_items_waiting_at_the_dispatcher(tree, people, photo):
    day = dt.datetime(2019, 7, 1, 9, tzinfo=dt.UTC)
    later = day + dt.timedelta(days=1)
    filed = [workflow.file_rectification(unit=tree["street_a"], title="t", by=people["inspector"],
                                         deadline=day + dt.timedelta(days=3), at=day)
             for _n in range(2)]
    workflow.submit(filed[0], by=people["staff"], version=None, photos=[photo], at=later)
    workflow.send_back(filed[1], by=people["staff"], version=None, reason="不归我们管", at=later)
    figures = services.unit_figures(tree["street_a"], Month(2019, 7),
                                    now=dt.datetime(2019, 9, 1, tzinfo=dt.UTC))
    assert (figures.filed, figures.disposed, figures.disposed_on_time, figures.overdue_now) == (
        1, 1, 1, 0)
    assert figures.rates["disposed_on_time"] == Decimal("100.0")


# ---- review fixes (issue 3) ---------------------------------------------------------------

def test_point_import_leaves_points_outside_the_importers_scope_alone(tree, people, member):
    district_coordinator = member(tree["district_a"], "coordinator", username="dcoord")
    theirs = factories.PointFactory(unit=tree["street_b"], code="B-1", name="乙点")
    data = _csv(["code", "name", "kind", "unit_code"], ["B-1", "被改", "market", tree["street_a"].code])
    result = import_points(tree["city"].campaign, data, by=district_coordinator)
    assert result.errors == [RowError(2, ("code B-1 belongs to a point you do not manage",))]
    theirs.refresh_from_db()
    assert (theirs.name, theirs.unit_id) == ("乙点", tree["street_b"].pk)


def test_point_import_refuses_non_finite_coordinates_and_lists_kinds(tree, people):
    data = _csv(["code", "name", "kind", "unit_code", "latitude", "longitude"],
                ["P1", "东街", "back_street", tree["street_a"].code, "NaN", "Infinity"],
                ["P2", "西街", "park", tree["street_a"].code, "", ""])
    result = import_points(tree["city"].campaign, data, by=people["coordinator"])
    assert (result.errors[0].row, result.errors[0].message) == (
        2, "latitude “NaN” is not a number; longitude “Infinity” is not a number")
    assert result.errors[1].row == 3
    assert result.errors[1].message.startswith("unknown kind “park” (allowed: main_road (Main road), ")
    assert Point.objects.count() == 0


def test_point_import_reads_chinese_headers(tree, people):
    data = _csv(["编号", "名称", "类型", "单位编码", "地址", "纬度", "经度", "启用"],
                ["P1", "东街", "背街小巷", tree["street_a"].code, "东街1号", "37.5", "112.5", "否"])
    result = import_points(tree["city"].campaign, data, by=people["coordinator"])
    assert (len(result.created), result.errors) == (1, [])
    point = Point.objects.get(code="P1")
    assert (point.kind, point.address, str(point.latitude), point.is_active) == (
        "back_street", "东街1号", "37.500000", False)


def test_an_exported_formula_like_name_imports_back_unchanged(tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaign.models import Point
    from inspections import points

    factories.PointFactory(unit=tree["street_a"], code="Z-9", name="-东街-")
    data = SimpleUploadedFile("p.xlsx", points.export_points(Point.objects.all(), "xlsx"))
    result = points.import_points(tree["city"].campaign, data, by=people["coordinator"])
    assert (len(result.updated), Point.objects.get().name) == (1, "-东街-")


# ---- 3: the public form is bounded ----------------------------------------------------------


@pytest.mark.usefixtures("chinese")
def test_visit_backdating_is_bounded(tree, people):
    from inspections import services
    from inspections.models import Inspection

    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(services.InspectionError) as error:
            services.record_visit(point=point, by=people["inspector"], mode="open",
                                  visited_at=NOW - dt.timedelta(days=32))
        assert str(error.value) == "访查最多只能在31天内补录。"
        services.record_visit(point=point, by=people["inspector"], mode="open",
                              visited_at=NOW - dt.timedelta(days=30))
    with time_machine.travel(dt.datetime(2019, 1, 3, tzinfo=dt.UTC), tick=False):
        with pytest.raises(services.InspectionError) as error:
            services.record_visit(point=point, by=people["inspector"], mode="open",
                                  visited_at=dt.datetime(2018, 12, 31, 12, tzinfo=dt.UTC))
        assert str(error.value) == "访查时间不能早于创建活动开始（2019-01-01）。"
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize(("count", "filed", "expected"), [
    (1, 16, Decimal("6.3")),      # 6.25: half-up, as every figure (half-even would show 6.2)
    (1, 400, Decimal("0.3")),     # 0.25
    (2, 3, Decimal("66.7")),
    (0, 5, Decimal("0.0")),
])
def test_unit_figure_rates_round_half_up(count, filed, expected):
    figures = services.UnitFigures(filed=filed, disposed=count, disposed_on_time=0, closed=0,
                                   closed_on_time=0, reworked=0, extended=0, overdue_now=0)
    assert figures.rate(figures.disposed) == expected
