"""Mock evaluations (模拟测评): the sample by point kind, visits whose findings file items only on
request and count in no monthly score, the report's exact rates, its XLSX and .docx, the pages."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from campaign.periods import Month
from inspections import services
from inspections.mock.report import build_report
from inspections.mock.services import start_mock_evaluation
from inspections.models import Finding, Inspection, InspectionRound, Rectification
from inspections.rankings.queries import compute_month, latest_data_month
from tests import factories

pytestmark = pytest.mark.django_db

VISIT_DAY = timezone.make_aware(dt.datetime(2019, 7, 10, 10, 0))
LATER_DAY = timezone.make_aware(dt.datetime(2019, 7, 20, 10, 0))


def _mock(unit, by, *, size=4, starts=dt.date(2019, 7, 1), ends=dt.date(2019, 7, 15), seed=7,
          name="七月模拟测评"):
    return start_mock_evaluation(unit=unit, name=name, starts_on=starts, ends_on=ends,
                                 sample_size=size, by=by, seed=seed)


def _visit(point, by, round_, findings=(), *, at=VISIT_DAY, file_item=False):
    with time_machine.travel(at, tick=False):
        return services.record_visit(
            point=point, by=by, mode="covert", visited_at=at, round=round_,
            findings=[services.FindingInput(criterion=c, file_item=file_item) for c in findings])


# ---- the sample -----------------------------------------------------------------------------

def test_sample_by_kind_is_proportional_with_one_per_kind(tree):
    points = [factories.PointFactory(unit=tree["street_a"], kind="back_street") for _ in range(4)]
    points += [factories.PointFactory(unit=tree["street_b"], kind="back_street") for _ in range(3)]
    points += [factories.PointFactory(unit=tree["street_a"], kind="market") for _ in range(2)]
    points += [factories.PointFactory(unit=tree["street_b"], kind="old_compound")]
    # 10 points in three kinds (7, 2, 1): one each, the other two by largest remainder.
    chosen = services.draw_sample(points, 5, seed=3, stratum=services.by_kind)
    kinds = sorted(point.kind for point in chosen)
    assert kinds == ["back_street"] * 3 + ["market", "old_compound"]
    # The units do not make strata of their own: back streets come from both streets as drawn.
    assert [p.pk for p in chosen] == [
        p.pk for p in services.draw_sample(points, 5, seed=3, stratum=services.by_kind)]
    # Fewer points than kinds: the largest shares win (7×2/10 = 1.4, 0.4, 0.2).
    assert sorted(p.kind for p in services.draw_sample(points, 2, 3, services.by_kind)) == [
        "back_street", "market"]


def test_start_records_a_mock_round_sampled_by_kind(tree, people):
    for _ in range(5):
        factories.PointFactory(unit=tree["street_a"], kind="back_street")
    factories.PointFactory(unit=tree["street_b"], kind="market")
    mock = _mock(tree["city"], people["coordinator"], size=3)
    assert (mock.kind, mock.seed, mock.sample_size) == ("mock", 7, 3)
    assert sorted(mock.points.values_list("kind", flat=True)) == [
        "back_street", "back_street", "market"]


@pytest.mark.parametrize(("size", "starts", "ends", "message"), [
    (0, dt.date(2019, 7, 1), dt.date(2019, 7, 15), "1"),
    (2001, dt.date(2019, 7, 1), dt.date(2019, 7, 15), "2000"),
    (5, dt.date(2018, 12, 31), dt.date(2019, 1, 15), "2019-01-01"),
    (5, dt.date(2020, 12, 1), dt.date(2021, 1, 1), "2020-12-31"),
])
def test_start_refuses_bad_size_and_period(tree, people, size, starts, ends, message):
    with pytest.raises(services.InspectionError, match=message):
        _mock(tree["city"], people["coordinator"], size=size, starts=starts, ends=ends)
    assert not InspectionRound.objects.exists()


def test_only_a_coordinator_starts_a_mock(tree, people):
    with pytest.raises(services.InspectionError):
        _mock(tree["city"], people["inspector"])
    assert not InspectionRound.objects.exists()


# ---- visits ---------------------------------------------------------------------------------

@pytest.fixture
def standard(tree):
    """Category A: c1 (4 points, back streets), c2 (6, every kind); category B: c3 (10,
    markets). A back street's visit has 10 points possible, a market's 16."""
    standard = factories.StandardFactory(campaign=tree["city"].campaign)
    c1 = factories.CriterionFactory(category__standard=standard, category__name="市容环境",
                                    name="乱堆乱放", points=D("4"), point_kinds=["back_street"])
    c2 = factories.CriterionFactory(category=c1.category, name="乱贴乱画", points=D("6"))
    c3 = factories.CriterionFactory(category__standard=standard, category__name="市场秩序",
                                    category__order=1, name="占道经营", points=D("10"),
                                    point_kinds=["market"])
    return c1, c2, c3


def test_mock_visit_files_an_item_only_when_asked(tree, people, standard):
    c1, c2, _c3 = standard
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    mock = _mock(tree["city"], people["coordinator"], size=1)
    with time_machine.travel(VISIT_DAY, tick=False):
        visit = services.record_visit(
            point=point, by=people["inspector"], mode="covert", visited_at=VISIT_DAY, round=mock,
            findings=[services.FindingInput(criterion=c1),   # default on the service: filed
                      services.FindingInput(criterion=c2, file_item=False)])
    assert (visit.points_possible, visit.points_deducted) == (D("10"), D("10"))
    assert Finding.objects.filter(inspection=visit).count() == 2
    assert list(Rectification.objects.values_list("criterion", flat=True)) == [c1.pk]


def test_an_ordinary_visit_files_every_finding(tree, people, standard):
    c1, _c2, _c3 = standard
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    _visit(point, people["inspector"], None, [c1], file_item=False)
    assert Rectification.objects.count() == 1


def test_mock_visits_leave_the_month_scores_unchanged(tree, people, standard):
    c1, c2, _c3 = standard
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    _visit(point, people["inspector"], None, [c1])          # 60 out of 100
    now = timezone.make_aware(dt.datetime(2019, 8, 2))
    before = compute_month(tree["city"].campaign, Month(2019, 7), tree["district_a"], now=now,
                           fresh=True)
    mock = _mock(tree["city"], people["coordinator"], size=1)
    for _ in range(3):
        _visit(point, people["inspector"], mock, [c1, c2])   # 0 out of 100 each, not counted
    after = compute_month(tree["city"].campaign, Month(2019, 7), tree["district_a"], now=now,
                          fresh=True)
    assert Inspection.objects.count() == 4
    assert [(s.visits, s.inspection_score) for s in (before.lines[0].standing,
                                                     after.lines[0].standing)] == [
        (1, D("60.00")), (1, D("60.00"))]
    # July holds only mock visits now: the latest month with data is June.
    Inspection.objects.filter(round=None).update(
        visited_at=timezone.make_aware(dt.datetime(2019, 6, 1)))
    assert latest_data_month(tree["city"].campaign, tree["district_a"], now=now) == Month(2019, 6)


# ---- the report -----------------------------------------------------------------------------

@pytest.fixture
def evaluated(tree, people, standard):
    """Two mocks of the city: the first with three visits (24 of 36 points lost), the second,
    later, with one clean visit to a back street."""
    c1, c2, c3 = standard
    p1 = factories.PointFactory(unit=tree["street_a"], kind="back_street", code="A1", name="东巷")
    p2 = factories.PointFactory(unit=tree["street_b"], kind="back_street", code="B1", name="西巷")
    p3 = factories.PointFactory(unit=tree["street_a"], kind="market", code="A2", name="农贸市场")
    factories.PointFactory(unit=tree["street_b"], kind="old_compound", code="B2", name="老院")
    first = _mock(tree["city"], people["coordinator"])
    inspector = people["inspector"]
    _visit(p1, inspector, first, [c1])            # 10 possible, 4 lost
    _visit(p2, inspector, first, [c1, c2])        # 10 possible, 10 lost
    _visit(p3, inspector, first, [c3])            # 16 possible, 10 lost
    second = _mock(tree["city"], people["coordinator"], starts=dt.date(2019, 7, 16),
                   ends=dt.date(2019, 7, 31), name="七月下旬模拟测评")
    _visit(p1, inspector, second, [], at=LATER_DAY)
    return {"first": first, "second": second, "criteria": standard}


def _rows(lines):
    return [(line.label, line.possible, line.deducted, line.percent, line.change)
            for line in lines]


def test_report_rates_are_exact(evaluated):
    report = build_report(evaluated["first"])
    assert (report.drawn, report.visited, report.previous) == (4, 3, None)
    assert (report.overall.possible, report.overall.deducted, report.overall.percent) == (
        D("36"), D("24"), D("33.3"))
    assert _rows(report.criteria) == [
        ("乱堆乱放", D("8"), D("8"), D("0.0"), None),
        ("乱贴乱画", D("18"), D("6"), D("66.7"), None),
        ("占道经营", D("10"), D("10"), D("0.0"), None),
    ]
    assert _rows(report.categories) == [
        ("市容环境", D("26"), D("14"), D("46.2"), None),
        ("市场秩序", D("10"), D("10"), D("0.0"), None),
    ]
    assert _rows(report.units) == [
        ("甲街道", D("26"), D("14"), D("46.2"), None),
        ("乙街道", D("10"), D("10"), D("0.0"), None),
    ]
    assert [(line.code, line.deducted, line.percent) for line in report.top_points] == [
        ("A2", D("10"), D("37.5")), ("B1", D("10"), D("0.0")), ("A1", D("4"), D("60.0"))]


def test_report_changes_against_the_previous_mock(evaluated):
    report = build_report(evaluated["second"])
    assert report.previous == evaluated["first"]
    assert (report.overall.percent, report.overall.change) == (D("100.0"), D("66.7"))
    # No market visited this time: no rate, so no change ("—").
    assert _rows(report.criteria) == [
        ("乱堆乱放", D("4"), D("0"), D("100.0"), D("100.0")),
        ("乱贴乱画", D("6"), D("0"), D("100.0"), D("33.3")),
        ("占道经营", D("0"), D("0"), None, None),
    ]
    assert [(line.label, line.change) for line in report.units] == [("甲街道", D("53.8"))]
    assert report.top_points == []


def test_criterion_of_a_standard_bound_lower_down_counts_the_visits_under_it(tree, people,
                                                                           standard):
    """A district's own standard applies to the visits in that district only: the criteria's
    points possible add up to the visits' (25), not to 5 × every visit."""
    c1, c2, _c3 = standard
    district = factories.StandardFactory(campaign=tree["city"].campaign,
                                         units=[tree["district_a"]])
    c4 = factories.CriterionFactory(category__standard=district, category__name="区级负面清单",
                                    name="门前三包不落实", points=D("5"))
    p1 = factories.PointFactory(unit=tree["street_a"], kind="back_street", code="A1")
    p2 = factories.PointFactory(unit=tree["street_b"], kind="back_street", code="B1")
    mock = _mock(tree["city"], people["coordinator"], size=2)
    _visit(p1, people["inspector"], mock, [c4])        # 15 possible, 5 lost
    _visit(p2, people["inspector"], mock, [])          # 10 possible
    report = build_report(mock)
    assert (report.overall.possible, report.overall.deducted, report.overall.percent) == (
        D("25"), D("5"), D("80.0"))
    assert _rows(report.criteria) == [
        ("乱堆乱放", D("8"), D("0"), D("100.0"), None),
        ("乱贴乱画", D("12"), D("0"), D("100.0"), None),
        ("占道经营", D("0"), D("0"), None, None),
        ("门前三包不落实", D("5"), D("5"), D("0.0"), None),
    ]
    assert sum(line.possible for line in report.criteria) == report.overall.possible
    assert _rows(report.categories)[-1] == ("区级负面清单", D("5"), D("5"), D("0.0"), None)
    # District B's mock: the other district's criterion is not its own, and applied to nothing.
    other = _mock(tree["district_b"], people["coordinator"], size=1, name="乙区模拟测评")
    _visit(p2, people["inspector"], other, [])
    assert [line.label for line in build_report(other).criteria] == [
        "乱堆乱放", "乱贴乱画", "占道经营"]


def test_report_reads_a_fixed_number_of_queries(evaluated, tree, people):
    c1 = evaluated["criteria"][0]
    counts = []
    for _ in range(2):
        for _n in range(5):
            point = factories.PointFactory(unit=tree["street_b"], kind="back_street")
            _visit(point, people["inspector"], evaluated["second"], [c1], at=LATER_DAY)
        mock = InspectionRound.objects.select_related("unit").get(pk=evaluated["second"].pk)
        with CaptureQueriesContext(connection) as queries:
            build_report(mock)
        counts.append(len(queries))
    assert counts == [18, 18]


def test_xlsx_holds_the_tables(evaluated):
    from inspections.mock.export import mock_xlsx

    book = load_workbook(io.BytesIO(mock_xlsx(build_report(evaluated["second"]))))
    summary, criteria, categories, units, points = book.worksheets
    assert summary["A1"].value == "七月下旬模拟测评"
    assert [row[1] for row in summary.iter_rows(min_row=2, values_only=True)] == [
        "市指挥部", "2019-07-16 – 2019-07-31", "7", "1 / 4", 1, 100, "七月模拟测评", 66.7]
    assert list(criteria.iter_rows(min_row=2, values_only=True)) == [
        ("市容环境", "乱堆乱放", 0, 4, 0, 100, 100),
        ("市容环境", "乱贴乱画", 0, 6, 0, 100, 33.3),
        ("市场秩序", "占道经营", 0, 0, 0, "—", "—"),
    ]
    assert list(units.iter_rows(min_row=2, values_only=True)) == [
        ("甲街道", 1, 10, 0, 100, 53.8)]
    assert (categories.max_row, points.max_row) == (3, 1)


def test_docx_reads_back(evaluated):
    from inspections.mock.export import mock_docx
    from inspections.mock.report import DEFINITIONS

    document = Document(io.BytesIO(mock_docx(build_report(evaluated["first"]),
                                             definitions=DEFINITIONS, date=dt.date(2019, 7, 16))))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "市指挥部" in texts                            # the red heading: the mock's unit
    assert "模拟测评报告：七月模拟测评" in texts
    assert ["一、概况", "二、得分率的计算方法", "三、按测评项", "六、丢分最多的点位"] == [
        text for text in texts if text[:2] in ("一、", "二、", "三、", "六、")]
    assert "2019年7月16日" in texts
    summary, criteria, categories, units, points = document.tables
    assert [cell.text for cell in summary.rows[6].cells] == ["得分率（%）", "33.3"]
    assert [cell.text for cell in criteria.rows[2].cells] == [
        "市容环境", "乱贴乱画", "1", "18", "6", "66.7", "—"]
    assert [[cell.text for cell in row.cells] for row in points.rows[1:]] == [
        ["A2", "农贸市场", "甲街道", "1", "16", "10", "37.5", "—"],
        ["B1", "西巷", "乙街道", "1", "10", "10", "0.0", "—"],
        ["A1", "东巷", "甲街道", "1", "10", "4", "60.0", "—"],
    ]


# ---- pages ----------------------------------------------------------------------------------

def test_coordinator_starts_a_mock_from_the_form(client, tree, people):
    factories.PointFactory(unit=tree["street_a"])
    client.force_login(people["coordinator"])
    assert client.get(reverse("inspections:mock-create")).status_code == 200
    response = client.post(reverse("inspections:mock-create"), {
        "unit": tree["city"].pk, "name": "模拟", "starts_on": "2019-07-01",
        "ends_on": "2019-07-15", "sample_size": "2001"})
    assert response.status_code == 200 and not InspectionRound.objects.exists()
    response = client.post(reverse("inspections:mock-create"), {
        "unit": tree["city"].pk, "name": "模拟", "starts_on": "2019-07-01",
        "ends_on": "2019-07-15", "sample_size": "10"})
    mock = InspectionRound.objects.get()
    assert response.url == reverse("inspections:mock-detail", args=[mock.pk])
    assert (mock.kind, mock.points.count()) == ("mock", 1)


def test_inspector_may_not_start_a_mock(client, people):
    client.force_login(people["inspector"])
    assert client.get(reverse("inspections:mock-create")).status_code == 403


def test_report_page_lists_rates_and_leaves_rounds_list(client, evaluated, people):
    client.force_login(people["leader"])
    page = client.get(reverse("inspections:mock-detail", args=[evaluated["first"].pk]))
    assert page.status_code == 404    # the leader of district A does not see the city's
    client.force_login(people["coordinator"])
    page = client.get(reverse("inspections:mock-detail", args=[evaluated["first"].pk]))
    text = page.content.decode()
    assert "已走访 3 / 4 个点位" in text and "33.3%" in text and "66.7%" in text
    rounds = client.get(reverse("inspections:round-list")).content.decode()
    assert "七月模拟测评" not in rounds
    mocks = client.get(reverse("inspections:mock-list")).content.decode()
    assert "七月模拟测评" in mocks and "七月下旬模拟测评" in mocks


def test_exports_answer_with_their_types(client, evaluated, people):
    client.force_login(people["coordinator"])
    pk = evaluated["first"].pk
    xlsx = client.get(reverse("inspections:mock-export-xlsx", args=[pk]))
    docx = client.get(reverse("inspections:mock-export-docx", args=[pk]))
    assert xlsx["Content-Type"].endswith("spreadsheetml.sheet")
    assert docx["Content-Type"].endswith("wordprocessingml.document")
    assert docx["Content-Disposition"] == f'attachment; filename="mock-{pk}.docx"'
    assert client.post(reverse("inspections:mock-export-xlsx", args=[pk])).status_code == 405


def test_visit_form_of_a_mock_offers_filing_unticked(client, tree, people, standard):
    c1, _c2, _c3 = standard
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    today = timezone.localdate()
    campaign = tree["city"].campaign
    campaign.start, campaign.end = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    campaign.save()
    mock = start_mock_evaluation(unit=tree["city"], name="模拟", starts_on=today, ends_on=today,
                                 sample_size=1, by=people["coordinator"])
    client.force_login(people["inspector"])
    url = reverse("inspections:visit-create", args=[point.pk]) + f"?round={mock.pk}"
    page = client.get(url).content.decode()
    assert 'name="finding-0-file_item"' in page and "checked" not in page.split(
        'name="finding-0-file_item"')[1].split(">")[0]
    response = client.post(url, {
        "mode": "covert", "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "finding-TOTAL_FORMS": "1", "finding-INITIAL_FORMS": "0", "finding-MIN_NUM_FORMS": "0",
        "finding-MAX_NUM_FORMS": "20", "finding-0-criterion": c1.pk})
    assert response.status_code == 302
    visit = Inspection.objects.get()
    assert (visit.round, visit.findings.count(), Rectification.objects.count()) == (mock, 1, 0)


def test_list_shows_only_the_reports_one_may_read(client, tree, people, member):
    _mock(tree["street_a"], people["coordinator"], name="甲街道模拟")
    _mock(tree["district_b"], people["coordinator"], name="乙区模拟机密")
    for user, expected in ((people["staff"], []), (people["leader"], ["甲街道模拟"]),
                           (member(tree["district_b"], "coordinator"), ["乙区模拟机密"]),
                           (people["coordinator"], ["乙区模拟机密", "甲街道模拟"])):
        client.force_login(user)
        page = client.get(reverse("inspections:mock-list")).content.decode()
        assert [name for name in ("乙区模拟机密", "甲街道模拟") if name in page] == expected


def test_round_page_of_a_mock_sends_to_its_report(client, tree, people):
    """The rounds' page lists no mock; opened by its address, it sends to the report, which the
    units checked may not read, even once the mock has ended."""
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street", name="东巷")
    mock = _mock(tree["street_a"], people["coordinator"], size=1)
    url = reverse("inspections:round-detail", args=[mock.pk])
    report = reverse("inspections:mock-detail", args=[mock.pk])
    client.force_login(people["coordinator"])
    assert client.get(url)["Location"] == report
    client.force_login(people["staff"])
    response = client.get(url, follow=True)
    assert (response.redirect_chain, response.status_code) == ([(report, 302)], 403)
    assert point.name not in response.content.decode()
    client.force_login(people["other_staff"])
    assert client.get(url).status_code == 404


def test_report_page_groups_criteria_and_signs_changes(client, evaluated, people):
    client.force_login(people["coordinator"])
    text = client.get(reverse("inspections:mock-detail", args=[evaluated["second"].pk])
                      ).content.decode()
    # Each category heads its criteria once, instead of a column repeated on every row.
    assert text.count('<th colspan="6" scope="rowgroup">市容环境</th>') == 1
    assert text.count('<th colspan="6" scope="rowgroup">市场秩序</th>') == 1
    assert '<dd class="col-6 col-md-9" id="mock-previous">七月模拟测评（+66.7 个百分点）</dd>' in text
    assert '<td class="text-end text-nowrap">+53.8</td>' in text
    client.force_login(people["coordinator"])
    client.cookies["django_language"] = "en"
    text = client.get(reverse("inspections:mock-detail", args=[evaluated["second"].pk]),
                      headers={"accept-language": "en"}).content.decode()
    assert "七月模拟测评 (+66.7 points)" in text and "(percentage points)" in text


def test_change_below_zero_reads_with_a_minus_sign(evaluated):
    from django.template.loader import render_to_string

    assert render_to_string("inspections/mock/_change.html", {"change": D("-2.3")}) == "−2.3"
    assert render_to_string("inspections/mock/_change.html", {"change": D("0.0")}) == "0.0"


def test_list_shows_the_points_drawn_not_the_size_asked(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], kind="back_street")
    factories.PointFactory(unit=tree["street_a"], kind="market")
    _mock(tree["city"], people["coordinator"], size=100)
    client.force_login(people["coordinator"])
    text = client.get(reverse("inspections:mock-list")).content.decode()
    assert '<th class="text-end">已走访点位</th>' in text
    assert '<td class="text-end text-nowrap">0 / 2</td>' in text


def test_mock_visit_form_asks_about_filing_before_the_deadline(tree, people, standard):
    from inspections.forms import FindingForm

    mock_form = FindingForm(criteria=list(standard), mock=True)
    assert list(mock_form.fields) == ["criterion", "note", "photos", "file_item", "deadline"]
    assert str(mock_form.fields["deadline"].label) == (
        "整改期限（仅在立为整改事项时适用；留空：按测评项默认期限）")
    assert list(FindingForm(criteria=list(standard)).fields) == [
        "criterion", "note", "deadline", "photos"]


def test_home_links_a_mock_in_progress_to_its_report(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], kind="back_street")
    mock = _mock(tree["city"], people["coordinator"], size=1)
    client.force_login(people["inspector"])
    with time_machine.travel(VISIT_DAY, tick=False):
        text = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("inspections:mock-detail", args=[mock.pk])}">七月模拟测评</a>' in text
    assert reverse("inspections:round-detail", args=[mock.pk]) not in text


@pytest.mark.parametrize(("day", "refused"), [
    (dt.datetime(2019, 6, 30, 23, 59), True), (dt.datetime(2019, 7, 1, 0, 0), False),
    (dt.datetime(2019, 7, 15, 23, 59), False), (dt.datetime(2019, 7, 16, 0, 0), True)])
def test_mock_visit_lies_within_its_period(tree, people, day, refused):
    """Days in the campaign's time zone (Asia/Shanghai), both ends included."""
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    mock = _mock(tree["city"], people["coordinator"], size=1)
    at = timezone.make_aware(day)
    if refused:
        with pytest.raises(services.InspectionError, match="2019-07-01 – 2019-07-15"):
            _visit(point, people["inspector"], mock, at=at)
    else:
        _visit(point, people["inspector"], mock, at=at)
    assert Inspection.objects.count() == (0 if refused else 1)


@pytest.mark.parametrize(("today", "offered"), [
    (dt.date(2019, 6, 30), False), (dt.date(2019, 7, 1), True), (dt.date(2019, 7, 15), True),
    (dt.date(2019, 7, 16), False)])
def test_report_offers_visits_during_the_period_only(client, tree, people, today, offered):
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    mock = _mock(tree["city"], people["coordinator"], size=1)
    client.force_login(people["inspector"])
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(today, dt.time(12))),
                             tick=False):
        text = client.get(reverse("inspections:mock-detail", args=[mock.pk])).content.decode()
    link = reverse("inspections:visit-create", args=[point.pk]) + f"?round={mock.pk}"
    assert (link in text) is offered


def test_docx_signs_changes_as_the_page_does(evaluated):
    from inspections.mock.export import mock_docx
    from inspections.mock.report import DEFINITIONS

    document = Document(io.BytesIO(mock_docx(build_report(evaluated["second"]),
                                             definitions=DEFINITIONS, date=dt.date(2019, 8, 1))))
    summary, criteria, _categories, units = document.tables   # no point lost any
    assert [cell.text for cell in summary.rows[8].cells] == ["变化（百分点）", "+66.7"]
    assert [[cell.text for cell in row.cells][-2:] for row in criteria.rows[1:]] == [
        ["100.0", "+100.0"], ["100.0", "+33.3"], ["—", "—"]]
    assert [cell.text for cell in units.rows[1].cells][-1] == "+53.8"


def test_signed_change():
    from inspections.mock.export import signed

    assert [signed(v) for v in (D("2.3"), D("-2.3"), D("0.0"), None)] == [
        "+2.3", "−2.3", "0.0", "—"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("unit", "9" * 30, "选择一个有效的选项"), ("unit", "1\x00", "空字符"),
    ("unit", "-1", "选择一个有效的选项"), ("name", "模\x00拟", "空字符"),
    ("name", "模" * 121, "120"), ("starts_on", "2019-02-30", "有效的日期"),
    ("ends_on", "99999-01-01", "有效的日期"), ("sample_size", "-5", "1"),
    ("sample_size", "1e400", "整数"), ("sample_size", "9" * 30, "2000"),
    ("starts_on", "2019-07-16", "结束"),
])
def test_start_form_answers_bad_input_with_a_message(client, tree, people, field, value,
                                                       message):
    data = {"unit": tree["city"].pk, "name": "模拟", "starts_on": "2019-07-01",
            "ends_on": "2019-07-15", "sample_size": "10", field: value}
    client.force_login(people["coordinator"])
    response = client.post(reverse("inspections:mock-create"), data)
    assert response.status_code == 200
    assert message in " ".join(str(e) for errors in response.context["form"].errors.values()
                               for e in errors)
    assert not InspectionRound.objects.exists()


@pytest.mark.parametrize("pk", ["9" * 30, "0"])
def test_pages_of_an_id_out_of_range_are_not_found(client, people, pk):
    client.force_login(people["coordinator"])
    for name in ("inspections:mock-detail", "inspections:mock-export-xlsx",
                 "inspections:mock-export-docx", "inspections:round-detail"):
        assert client.get(reverse(name, args=[pk])).status_code == 404


def test_list_counts_without_multiplying_rows(client, evaluated, people):
    """Three points drawn and visited once or twice each: 4 drawn, 3 visited for the first
    mock; 4 drawn and 1 visited for the second, in a fixed number of queries."""
    p1 = Inspection.objects.filter(round=evaluated["first"]).first().point
    _visit(p1, people["inspector"], evaluated["first"], [])
    client.force_login(people["coordinator"])
    with CaptureQueriesContext(connection) as queries:
        text = client.get(reverse("inspections:mock-list")).content.decode()
    cells = text.split('id="mock-table"')[1]
    assert [cells.count(f'<td class="text-end text-nowrap">{c}</td>') for c in (
        "1 / 4", "3 / 4")] == [1, 1]
    assert len(queries) == 8     # session, user, memberships, nav…: none per row
