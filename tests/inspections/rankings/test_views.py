"""The rankings pages: happy paths, scope, roles, malformed parameters, query counts, superseded
revisions that stay whole, the history of the scoring settings."""

import datetime as dt
import io
from decimal import Decimal as D
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaign.periods import Month
from inspections.models import Bulletin, Inspection, MonthlyScore, Rectification, ScoringSettingsChange
from inspections.rankings.queries import compute_month, drill_down
from inspections.rankings.services import publish_bulletin, revise_bulletin, update_scoring_settings
from tests import factories
from tests.inspections.conftest import visit
from tests.inspections.rankings.conftest import (
    DAY,
    DEADLINE,
    HOUR,
    JULY,
    MINUTE,
    NOW,
    item,
    last_every_month,
    lines,
    three_visits,
)

pytestmark = pytest.mark.django_db
RANKINGS = reverse("inspections:ranking-list")


def _month_of_visits(district, month=7, deductions=("10", "20", "20", "40")):
    for street, deducted in zip(district["streets"], deductions, strict=True):
        for _n in range(3):
            visit(district["points"][street.pk], deducted, month=month)
    # A visit and an item in district B: data a district-A user must never see.
    street_b = district["tree"]["street_b"]
    lost = visit(factories.PointFactory(unit=street_b), "33", month=month)
    factories.FindingFactory(inspection=lost, points=D("33"), note="乙区机密问题")


def _get(client, url, **params):
    return client.get(url, params)


def test_rankings_page_shows_ranks_ties_components_and_formula(client, district, coordinator):
    _month_of_visits(district)
    client.force_login(coordinator)
    response = _get(client, RANKINGS, parent=district["unit"].pk, month="2019-07")
    page = response.content.decode()
    assert response.status_code == 200
    lines = response.context["lines"]
    assert [(line.unit.name, line.standing.rank, line.standing.score) for line in lines] == [
        ("甲街道", 1, D("90.00")), ("丙街道", 2, D("80.00")), ("丁街道", 2, D("80.00")),
        ("戊街道", 4, D("60.00")),
    ]
    assert "草稿" in page                       # not published yet
    assert "0.80 × 督查得分" in page             # the formula in force
    assert [line.unit.name for line in response.context["warning_list"]] == ["戊街道"]
    assert "publish-button" in page


def test_unranked_unit_is_listed_last(client, district, coordinator):
    _month_of_visits(district)
    visit(district["points"][district["streets"][0].pk], "0", month=7)
    extra = factories.UnitFactory(parent=district["unit"], kind="street", name="己街道")
    visit(factories.PointFactory(unit=extra), "0")            # one perfect visit
    client.force_login(coordinator)
    response = _get(client, RANKINGS, parent=district["unit"].pk, month="2019-07")
    lines = response.context["lines"]
    assert (lines[-1].unit.name, lines[-1].standing.ranked) == ("己街道", False)
    assert "不参与排名" in response.content.decode()


@pytest.mark.parametrize("query", [
    {"parent": "abc"}, {"parent": "1e9"}, {"month": "2019-13"}, {"month": "<script>"},
    {"month": "99999-01"}, {"kind": "nonsense"}, {"revision": "x"}, {"revision": "99"},
    {"parent": "", "month": ""},
])
def test_rankings_survive_malformed_parameters(client, district, coordinator, query):
    client.force_login(coordinator)
    params = {"parent": district["unit"].pk, "month": "2019-07", **query}
    response = client.get(RANKINGS, params)
    assert response.status_code in (200, 404)
    if query.get("parent") != "1e9":
        assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_malformed_month_gets_a_message(client, district, coordinator):
    client.force_login(coordinator)
    response = client.get(RANKINGS, {"parent": district["unit"].pk, "month": "2019-13"}, follow=True)
    assert "不是月份" in response.content.decode()


def test_peer_group_out_of_scope_is_404(client, district, member):
    _month_of_visits(district)
    # Street staff read the group their street is ranked in once published (test_peer_groups).
    publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None, now=NOW)
    staff = member(district["streets"][0], role="unit_staff")
    client.force_login(staff)
    response = _get(client, RANKINGS, parent=district["unit"].pk, month="2019-07")
    assert response.status_code == 200
    assert response.context["linkable"] == {district["streets"][0].pk}   # only their own street opens
    response = _get(client, RANKINGS, parent=district["tree"]["district_b"].pk, month="2019-07")
    assert response.status_code == 404
    assert "乙街道" not in response.content.decode()
    # A sibling street's details are out of scope too.
    sibling = district["streets"][1]
    url = reverse("inspections:unit-score-detail", args=[sibling.pk])
    assert client.get(url, {"month": "2019-07"}).status_code == 404
    street_b = district["tree"]["street_b"]
    response = client.get(reverse("inspections:unit-score-detail", args=[street_b.pk]), {"month": "2019-07"})
    assert response.status_code == 404 and "乙区机密问题" not in response.content.decode()


def test_publish_needs_the_coordinator_role_and_post(client, district, member):
    _month_of_visits(district)
    staff = member(district["streets"][0], role="unit_staff")
    leader = factories.UserFactory()
    factories.MembershipFactory(user=leader, unit=district["unit"], role="leader")
    url = reverse("inspections:bulletin-publish")
    data = {"parent": district["unit"].pk, "month": "2019-07"}
    client.force_login(staff)
    assert client.post(url, data).status_code == 403
    client.force_login(leader)
    assert client.post(url, data).status_code == 403
    assert "publish-button" not in _get(client, RANKINGS, **data).content.decode()
    assert client.get(url, data).status_code == 405
    other = factories.UserFactory()
    factories.MembershipFactory(user=other, unit=district["tree"]["district_b"], role="coordinator")
    client.force_login(other)
    assert client.post(url, data).status_code == 404
    assert Bulletin.objects.count() == 0


def test_coordinator_publishes_then_the_page_reads_frozen_rows(client, district, coordinator):
    _month_of_visits(district)
    client.force_login(coordinator)
    data = {"parent": district["unit"].pk, "month": "2019-07"}
    response = client.post(reverse("inspections:bulletin-publish"), data, follow=True)
    assert "已发布" in response.content.decode()
    bulletin = Bulletin.objects.get()
    assert bulletin.published_by == coordinator
    again = client.post(reverse("inspections:bulletin-publish"), data, follow=True)
    assert Bulletin.objects.count() == 1 and "未作改动" in again.content.decode()
    # Edit a visit afterwards: the published page does not move.
    street = district["streets"][0]
    street.inspections.update(points_deducted=D("90"))
    lines = _get(client, RANKINGS, **data).context["lines"]
    assert lines[0].unit.name == "甲街道" and lines[0].standing.score == D("90.00")


def test_publishing_a_running_month_is_refused_with_a_message(client, district, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("inspections:bulletin-publish"),
                           {"parent": district["unit"].pk,
                            "month": str(Month.of(timezone.localdate()).next())}, follow=True)
    assert "尚未结束" in response.content.decode()
    assert Bulletin.objects.count() == 0


def test_revise_with_a_reason(client, district, coordinator, member):
    _month_of_visits(district)
    bulletin, _created = publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None, now=NOW)
    url = reverse("inspections:bulletin-revise", args=[bulletin.pk])
    staff = member(district["streets"][0], role="unit_staff")
    client.force_login(staff)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    district["streets"][3].inspections.update(points_deducted=D("0"))
    response = client.post(url, {"reason": "戊街道督查记录更正"}, follow=True)
    page = response.content.decode()
    assert "戊街道督查记录更正" in page and "修订" in page
    assert [b.revision for b in response.context["revisions"]] == [2, 1]
    assert response.context["lines"][0].unit.name == "戊街道"
    old = _get(client, RANKINGS, parent=district["unit"].pk, month="2019-07", revision="1")
    assert old.context["lines"][0].unit.name == "甲街道"
    assert "已被更正" in old.content.decode()
    # No longer the current one: a clear message, the reason kept, nothing published.
    stale = client.post(url, {"reason": "再改"})
    assert stale.status_code == 200
    assert "已被他人更正" in stale.content.decode() and "再改" in stale.content.decode()
    assert Bulletin.objects.filter(parent=district["unit"]).count() == 2
    assert "已被他人更正" in client.get(url).content.decode()


def test_revise_page_warns_of_settings_changed_since_the_revision(client, district, coordinator,
                                                                  member):
    _month_of_visits(district)
    campaign = district["unit"].campaign
    bulletin, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    url = reverse("inspections:bulletin-revise", args=[bulletin.pk])
    client.force_login(coordinator)
    assert 'id="settings-changed"' not in client.get(url).content.decode()
    office = member(district["tree"]["city"], role="coordinator")
    update_scoring_settings(campaign, {"inspection_weight": D("0.70"), "min_sample": 3,
                                       "bottom_n": 2, "streak_k": 3}, by=office, now=NOW)
    page = client.get(url).content.decode()
    assert ('<div class="alert alert-warning col-lg-6" role="alert" id="settings-changed">'
            '打分设置已改动：\n  <ul class="mb-1"><li>督查得分权重 0.80→0.70</li>'
            '<li>末位关注名次（N） 1→2</li></ul>\n  更正版将按现行设置计算。</div>') in page
    # The settings page labels the same fields the same way.
    client.force_login(office)
    settings_page = client.get(reverse("inspections:scoring-settings", args=[campaign.pk]))
    assert "督查得分权重" in settings_page.content.decode()
    assert "末位关注名次（N）" in settings_page.content.decode()


def test_drill_down_shows_who_lost_points(client, district, coordinator):
    street = district["streets"][0]
    lost = visit(district["points"][street.pk], "12")
    factories.FindingFactory(inspection=lost, points=D("12"), note="占道经营")
    factories.RectificationFactory(unit=street, code="ZG-LATE", status="open")
    client.force_login(coordinator)
    response = client.get(reverse("inspections:unit-score-detail", args=[street.pk]), {"month": "2019-07"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "占道经营" in page and "−12.00" in page and "ZG-LATE" in page and "未提交" in page


def _a_long_month(street, point, *, visits, missed):
    """`visits` visits to `point` that lost points, an hour apart from 1 July, and `missed` items
    of `street` due a minute apart from 15 July and never fixed. Returns the visit ids and the
    item codes, in the drill-down's order (oldest first)."""
    inspector = factories.UserFactory()
    start = dt.datetime(2019, 7, 1, tzinfo=dt.UTC)
    Inspection.objects.bulk_create(
        factories.InspectionFactory.build(point=point, inspector=inspector, points_deducted=D("5"),
                                          visited_at=start + n * HOUR)
        for n in range(visits)
    )
    Rectification.objects.bulk_create(
        factories.RectificationFactory.build(unit=street, created_by=inspector,
                                             code=f"ZG-LATE-{n:04d}", deadline=DEADLINE + n * MINUTE)
        for n in range(missed)
    )
    return (list(Inspection.objects.filter(unit=street).order_by("visited_at", "pk")
                 .values_list("pk", flat=True)),
            [f"ZG-LATE-{n:04d}" for n in range(missed)])


@pytest.mark.parametrize("published", [False, True])
def test_drill_down_pages_each_list_by_50_with_its_count(client, district, coordinator, published):
    street = district["streets"][0]
    visits, missed = _a_long_month(street, district["points"][street.pk], visits=73, missed=1234)
    if published:
        publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None, now=NOW)
    client.force_login(coordinator)
    detail = reverse("inspections:unit-score-detail", args=[street.pk])

    first = client.get(detail, {"month": "2019-07"})
    page = first.content.decode()
    assert [v["id"] for v in first.context["visits"]] == visits[:50]
    assert [m["code"] for m in first.context["missed"]] == missed[:50]
    assert page.count('class="col-md-6 col-xl-4 lost-visit"') == 50
    assert page.count("<code>ZG-LATE-") == 50
    assert "共 73 次" in page and "共 1,234 项" in page
    assert "第1页，共2页" in page and "第1页，共25页" in page
    assert ('href="?month=2019-07&amp;kind=street&amp;missed_page=2#missed-items-title" rel="next"'
            in page)
    assert 'href="?month=2019-07&amp;kind=street&amp;missed_page=25#missed-items-title">最后一页' in page

    second = client.get(detail, {"month": "2019-07", "visits_page": "2", "missed_page": "2"})
    html = second.content.decode()
    assert [v["id"] for v in second.context["visits"]] == visits[50:]
    assert [m["code"] for m in second.context["missed"]] == missed[50:100]
    assert "第2页，共2页" in html and "第2页，共25页" in html
    # Each pager turns its own list and keeps the other one where it is.
    assert ('href="?month=2019-07&amp;kind=street&amp;missed_page=2&amp;visits_page=1'
            '#lost-visits-title" rel="prev"') in html
    assert ('href="?month=2019-07&amp;kind=street&amp;visits_page=2&amp;missed_page=3'
            '#missed-items-title" rel="next"') in html

    last = client.get(detail, {"month": "2019-07", "missed_page": "25"})
    assert [m["code"] for m in last.context["missed"]] == missed[1200:]


def test_a_short_month_shows_its_lists_whole_without_pagers(client, district, coordinator):
    street = district["streets"][0]
    visits, missed = _a_long_month(street, district["points"][street.pk], visits=50, missed=1)
    client.force_login(coordinator)
    response = client.get(reverse("inspections:unit-score-detail", args=[street.pk]), {"month": "2019-07"})
    page = response.content.decode()
    assert [v["id"] for v in response.context["visits"]] == visits
    assert "共 50 次" in page and "共 1 项" in page
    assert "pagination" not in page


@pytest.mark.parametrize(("value", "number"), [
    ("abc", 1), ("", 1), ("2.5", 1), ("%00", 1), ("１", 1), ("2", 2),
    ("0", 2), ("-1", 2), ("3", 2), ("9" * 40, 2),            # out of range: the last page
])
def test_drill_down_pages_survive_malformed_numbers(client, district, coordinator, value, number):
    street = district["streets"][0]
    _a_long_month(street, district["points"][street.pk], visits=51, missed=51)
    client.force_login(coordinator)
    response = client.get(reverse("inspections:unit-score-detail", args=[street.pk]),
                          {"month": "2019-07", "visits_page": value, "missed_page": value})
    assert response.status_code == 200
    assert (response.context["visits"].number, response.context["missed"].number) == (number, number)


def test_a_superseded_revisions_drill_down_pages_stay_on_it(client, district, coordinator):
    street = district["streets"][0]
    _visits, missed = _a_long_month(street, district["points"][street.pk], visits=3, missed=60)
    campaign = district["unit"].campaign
    first, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    Rectification.objects.filter(code__in=missed[:55]).delete()
    revise_bulletin(first, by=None, reason="重复立案", now=NOW)
    client.force_login(coordinator)
    detail = reverse("inspections:unit-score-detail", args=[street.pk])
    old = client.get(detail, {"month": "2019-07", "revision": "1", "missed_page": "2"})
    page = old.content.decode()
    assert [m["code"] for m in old.context["missed"]] == missed[50:]
    assert "共 60 项" in page
    assert ('href="?month=2019-07&amp;kind=street&amp;revision=1&amp;missed_page=1'
            '#missed-items-title" rel="prev"') in page
    current = client.get(detail, {"month": "2019-07", "missed_page": "2"})
    assert [m["code"] for m in current.context["missed"]] == missed[55:]
    assert "共 5 项" in current.content.decode()


def test_trend_chart_and_table(client, district, coordinator):
    campaign = district["unit"].campaign
    for month in (5, 6, 7):
        _month_of_visits(district, month)
        publish_bulletin(campaign, Month(2019, month), district["unit"], by=None, now=NOW)
    client.force_login(coordinator)
    response = client.get(reverse("inspections:unit-score-trend", args=[district["streets"][3].pk]))
    page = response.content.decode()
    assert response.status_code == 200
    # Two charts, each drawn wide and again PHONE_WIDTH wide for a phone (12 px labels there).
    assert page.count("<circle") == 12 and page.count("<polyline") == 4
    assert page.count('class="trend-chart chart-svg d-sm-none"') == 2
    assert [str(row.month) for row in response.context["rows"]] == ["2019-05-01", "2019-06-01", "2019-07-01"]
    assert "4/4" in page


def test_accountability_page_lists_flagged_units(client, district, coordinator, member):
    campaign = district["unit"].campaign
    campaign.streak_k = 2
    campaign.save()
    for month in (6, 7):
        _month_of_visits(district, month)
        publish_bulletin(campaign, Month(2019, month), district["unit"], by=None, now=NOW)
    client.force_login(coordinator)
    response = client.get(reverse("inspections:accountability-list"))
    [(row, history)] = response.context["entries"]
    assert row.unit.name == "戊街道" and row.streak == 2 and len(history) == 2
    other = member(district["tree"]["district_b"], role="coordinator")
    client.force_login(other)
    assert client.get(reverse("inspections:accountability-list")).context["entries"] == []


def test_bulletin_print_page_and_xlsx(client, district, coordinator):
    _month_of_visits(district)
    publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=coordinator, now=NOW)
    client.force_login(coordinator)
    params = {"parent": district["unit"].pk, "month": "2019-07"}
    page = client.get(reverse("inspections:bulletin-detail"), params).content.decode()
    assert "bulletin.css" in page and "月通报" in page and "红榜" in page
    response = client.get(reverse("inspections:bulletin-export"), params)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[2] in ("甲街道", "戊街道")]
    assert [(row[1], row[2], row[3]) for row in rows] == [(1, "甲街道", 90), (4, "戊街道", 60)]
    assert "排名" in [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]


def test_scoring_settings_edit(client, district, coordinator, member):
    campaign = district["unit"].campaign
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    client.force_login(coordinator)                     # a district coordinator: not the campaign office
    assert client.get(url).status_code == 403
    office = member(district["tree"]["city"], role="coordinator")
    client.force_login(office)
    response = client.post(url, {"inspection_weight": "1.5", "min_sample": "0", "bottom_n": "2",
                                 "streak_k": "3", "photo_distance_m": "200"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert 'value="1.5"' in response.content.decode()   # what was typed is kept
    response = client.post(url, {"inspection_weight": "0.70", "min_sample": "2", "bottom_n": "2",
                                 "streak_k": "4", "photo_distance_m": "200"}, follow=True)
    campaign.refresh_from_db()
    assert (campaign.inspection_weight, campaign.min_sample, campaign.bottom_n, campaign.streak_k) == (
        D("0.70"), 2, 2, 4)
    page = client.get(RANKINGS, {"parent": district["unit"].pk, "month": "2019-07"}).content.decode()
    assert "0.70 × 督查得分" in page
    outsider = factories.UserFactory()
    factories.MembershipFactory(user=outsider, unit=factories.UnitFactory(), role="coordinator")
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("published", [False, True])
def test_query_counts_are_fixed(client, district, coordinator, published):
    def count_queries(url, params):
        cache.clear()     # each count from a cold cache of live figures (inspections.live)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    client.force_login(coordinator)
    _month_of_visits(district)
    if published:
        publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None, now=NOW)
    params = {"parent": district["unit"].pk, "month": "2019-07"}
    street = district["streets"][0]
    detail = reverse("inspections:unit-score-detail", args=[street.pk])
    trend = reverse("inspections:unit-score-trend", args=[street.pk])
    before = [count_queries(RANKINGS, params), count_queries(detail, {"month": "2019-07"}),
              count_queries(trend, {})]
    # Ten more streets with visits, findings and items: the counts stay the same.
    for n in range(10):
        extra = factories.UnitFactory(parent=district["unit"], kind="street", name=f"新街道{n}")
        for _v in range(3):
            lost = visit(factories.PointFactory(unit=extra), "5")
            factories.FindingFactory(inspection=lost)
            factories.FindingFactory(inspection=visit(district["points"][street.pk], "5"))
        factories.RectificationFactory(unit=extra)
        factories.RectificationFactory(unit=street)
    after = [count_queries(RANKINGS, params), count_queries(detail, {"month": "2019-07"}),
             count_queries(trend, {})]
    assert before == after
    # Three are the months on record (bulletins, the units' paths, the latest visit); the nav
    # counts no citizen reports for a district coordinator, who does not triage them
    # (can_triage_reports). A draft adds the data stamp, the units' paths and the grouped rows
    # (inspections.live) to the peers and the history. The nav's unread notifications: one.
    assert before[0] == (14 if published else 19)


@pytest.mark.parametrize("month", ["2019-13", "abc", "", "2019-7x", "%00"])
def test_drill_down_survives_a_malformed_month(client, district, coordinator, month):
    client.force_login(coordinator)
    street = district["streets"][0]
    response = client.get(reverse("inspections:unit-score-detail", args=[street.pk]), {"month": month})
    assert response.status_code == 200


def test_trend_and_drill_down_of_units_out_of_scope_are_404(client, district, member):
    staff = member(district["streets"][0], role="unit_staff")
    client.force_login(staff)
    street_b = district["tree"]["street_b"]
    trend = "inspections:unit-score-trend"
    assert client.get(reverse(trend, args=[street_b.pk])).status_code == 404
    assert client.get(reverse(trend, args=[district["streets"][0].pk])).status_code == 200


def test_other_peer_kind_can_be_chosen(client, district, coordinator):
    _month_of_visits(district)
    factories.UnitFactory(parent=district["unit"], kind="work_group", name="工作小组1")
    client.force_login(coordinator)
    params = {"parent": district["unit"].pk, "month": "2019-07"}
    assert [line.unit.name for line in client.get(RANKINGS, params).context["lines"]][0] == "甲街道"
    response = client.get(RANKINGS, {**params, "kind": "work_group"})
    assert [line.unit.name for line in response.context["lines"]] == ["工作小组1"]


def test_drill_down_from_another_peer_kind_leads_back_to_that_kind(client, district, coordinator):
    _month_of_visits(district)
    group = factories.UnitFactory(parent=district["unit"], kind="work_group", name="工作小组1")
    client.force_login(coordinator)
    parent = district["unit"].pk
    page = client.get(RANKINGS, {"parent": parent, "month": "2019-07", "kind": "work_group"})
    detail = reverse("inspections:unit-score-detail", args=[group.pk])
    assert f'href="{detail}?month=2019-07&amp;kind=work_group"' in page.content.decode()
    drill = client.get(detail, {"month": "2019-07", "kind": "work_group"}).content.decode()
    assert (f'href="{RANKINGS}?parent={parent}&amp;month=2019-07&amp;kind=work_group">返回排名</a>'
            in drill)
    assert 'href="?month=2019-06&amp;kind=work_group"' in drill
    assert 'href="?month=2019-08&amp;kind=work_group"' in drill
    # Opened without a kind (the unit page) or with a bad one: the group the unit is ranked in.
    for params in ({"month": "2019-07"}, {"month": "2019-07", "kind": "<x>"}):
        drill = client.get(detail, params).content.decode()
        assert f"{RANKINGS}?parent={parent}&amp;month=2019-07&amp;kind=work_group" in drill
    street = district["streets"][0]
    drill = client.get(reverse("inspections:unit-score-detail", args=[street.pk]),
                       {"month": "2019-07"}).content.decode()
    assert f"{RANKINGS}?parent={parent}&amp;month=2019-07&amp;kind=street" in drill


def test_a_published_bulletin_states_its_own_formula(client, district, coordinator, member):
    _month_of_visits(district)
    campaign = district["unit"].campaign
    publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    office = member(district["tree"]["city"], role="coordinator")
    update_scoring_settings(campaign, {"inspection_weight": D("0.70"), "min_sample": 3,
                                       "bottom_n": 1, "streak_k": 3}, by=office, now=NOW)
    client.force_login(coordinator)
    params = {"parent": district["unit"].pk, "month": "2019-07"}
    for url in (RANKINGS, reverse("inspections:bulletin-detail")):
        page = client.get(url, params).content.decode()
        assert "本期通报计分办法：月得分 = 0.80 × 督查得分 + 0.20 × 100 × 按期整改率" in page
        assert "现行计分办法" not in page
    draft = client.get(RANKINGS, {**params, "month": "2019-08"}).content.decode()
    assert "现行计分办法：月得分 = 0.70 × 督查得分 + 0.30 × 100 × 按期整改率" in draft
    assert "本期通报计分办法" not in draft


def test_a_user_without_any_unit_is_forbidden(client, db):
    client.force_login(factories.UserFactory())
    assert client.get(RANKINGS).status_code == 403


def test_default_month_is_the_latest_published_else_the_last_ended(client, district, coordinator):
    client.force_login(coordinator)
    # 2019-09-01 01:00 in Shanghai is still August 31 in UTC: the last ended month is August.
    with time_machine.travel(dt.datetime(2019, 8, 31, 17, 0, tzinfo=dt.UTC), tick=False):
        assert str(client.get(RANKINGS, {"parent": district["unit"].pk}).context["month"]) == "2019-08"
    publish_bulletin(district["unit"].campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    assert str(client.get(RANKINGS, {"parent": district["unit"].pk}).context["month"]) == "2019-06"


@pytest.mark.parametrize("data", [{"parent": "abc", "month": "2019-07"}, {"month": "2019-07"},
                                  {"parent": "PARENT", "month": "2019-13"}, {"parent": "PARENT"}])
def test_publishing_with_a_malformed_group_or_month_publishes_nothing(client, district, coordinator, data):
    _month_of_visits(district)
    client.force_login(coordinator)
    data = {k: (district["unit"].pk if v == "PARENT" else v) for k, v in data.items()}
    response = client.post(reverse("inspections:bulletin-publish"), data, follow=True)
    assert response.status_code == 200 and "请指明" in response.content.decode()
    assert Bulletin.objects.count() == 0


def test_street_staff_land_on_the_bulletin_their_street_is_ranked_in(client, district, member):
    _month_of_visits(district)
    staff = member(district["streets"][0], role="unit_staff")      # 甲街道 has a lane office below
    client.force_login(staff)
    assert client.get(RANKINGS).context["parent"] == district["streets"][0]
    publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None, now=NOW)
    response = client.get(RANKINGS)
    assert response.context["parent"] == district["unit"]
    assert str(response.context["month"]) == "2019-07"


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_xlsx_never_turns_a_unit_name_into_a_formula(client, district, coordinator, name):
    _month_of_visits(district)
    street = district["streets"][0]
    street.name = name
    street.save(update_fields=["name"])
    district["unit"].name = name
    district["unit"].save(update_fields=["name"])
    client.force_login(coordinator)
    response = client.get(reverse("inspections:bulletin-export"),
                          {"parent": district["unit"].pk, "month": "2019-07"})
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(cell.value == "'" + name for cell in cells)


def test_default_month_is_the_latest_with_data_and_the_months_on_record_are_offered(
        client, district, coordinator):
    # Published in the past, visits in a later month: the page opens on the later month's draft
    # and offers both, so a new user never lands on an empty month.
    publish_bulletin(district["unit"].campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    _month_of_visits(district, month=7)
    client.force_login(coordinator)
    with time_machine.travel(dt.datetime(2019, 10, 15, 4, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(RANKINGS)
    assert response.context["parent"] == district["unit"]
    assert str(response.context["month"]) == "2019-07"
    assert [r.standing.rank for r in response.context["lines"]] == [1, 2, 2, 4]
    offered = [(str(entry.month), entry.published) for entry, _q in response.context["months_on_record"]]
    assert offered == [("2019-07", False), ("2019-06", True)]
    page = response.content.decode()
    assert f"?parent={district['unit'].pk}&amp;month=2019-06" in page


def test_default_month_leaves_out_the_running_month(client, district, coordinator):
    _month_of_visits(district, month=7)
    client.force_login(coordinator)
    with time_machine.travel(dt.datetime(2019, 7, 20, 4, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(RANKINGS, {"parent": district["unit"].pk})
    assert str(response.context["month"]) == "2019-06"
    assert response.context["months_on_record"] == []


def test_the_unit_page_links_to_the_units_score_and_trend(client, district, coordinator):
    street = district["streets"][0]
    client.force_login(coordinator)
    page = client.get(reverse("inspections:unit-detail", args=[street.pk])).content.decode()
    assert reverse("inspections:unit-score-trend", args=[street.pk]) in page
    assert reverse("inspections:unit-score-detail", args=[street.pk]) in page


def test_xlsx_states_the_publishing_time_in_the_campaigns_time_zone(client, district, coordinator):
    _month_of_visits(district)
    publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None,
                     now=dt.datetime(2019, 8, 2, 17, 30, tzinfo=dt.UTC))
    client.force_login(coordinator)
    response = client.get(reverse("inspections:bulletin-export"),
                          {"parent": district["unit"].pk, "month": "2019-07"})
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    assert "2019-08-03 01:30" in sheet["A2"].value        # Asia/Shanghai, as on the page


def test_ranking_table_scrolls_sideways_on_a_phone_instead_of_wrapping_names(client, district, coordinator):
    _month_of_visits(district)
    client.force_login(coordinator)
    page = _get(client, RANKINGS, parent=district["unit"].pk, month="2019-07").content.decode()
    assert '<div class="table-responsive" tabindex="0" role="region" aria-label="排名表">' in page
    assert 'ranking-table text-nowrap' in page
    detail = reverse("inspections:unit-score-detail", args=[district["streets"][0].pk])
    detail_page = client.get(detail, {"month": "2019-07"}).content.decode()
    assert 'align-middle text-nowrap" id="missed-items"' in detail_page


@pytest.mark.parametrize(("field", "value"), [("streak_k", "32767"), ("bottom_n", "32767"),
                                              ("min_sample", "32767"), ("streak_k", "25")])
def test_scoring_settings_refuse_values_that_make_no_sense(client, district, field, value, member):
    campaign = district["unit"].campaign
    client.force_login(member(district["tree"]["city"], role="coordinator"))
    data = {"inspection_weight": "0.80", "min_sample": "3", "bottom_n": "1", "streak_k": "3", field: value}
    response = client.post(reverse("inspections:scoring-settings", args=[campaign.pk]), data)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.min_sample, campaign.bottom_n, campaign.streak_k) == (3, 1, 3)
    # and the rankings page still opens
    assert client.get(RANKINGS, {"parent": district["unit"].pk, "month": "2019-07"}).status_code == 200


@pytest.mark.parametrize("weight", ["0.123", "12.5"])
def test_a_weight_with_too_many_digits_is_refused_in_decimals(client, district, member, weight):
    campaign = district["unit"].campaign
    client.force_login(member(district["tree"]["city"], role="coordinator"))
    response = client.post(reverse("inspections:scoring-settings", args=[campaign.pk]), {
        "inspection_weight": weight, "min_sample": "3", "bottom_n": "1", "streak_k": "3"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Give the weight with at most two decimals, between 0 and 1 (e.g. 0.80)." in \
        response.content.decode()
    campaign.refresh_from_db()
    assert campaign.inspection_weight == D("0.80")


def test_an_inspection_score_of_200_thirds_with_every_item_on_time_gives_73_33(district, coordinator, client):
    a = district["streets"][0]
    three_visits(district["points"][a.pk])                       # 100, 100, 0: mean 200/3
    for _n in range(2):
        item(a, steps=[("submitted", -DAY)])
    standing = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))["甲街道"]
    assert (standing.inspection_score, standing.on_time_percent, standing.score) == (
        D("66.67"), D("100.0"), D("73.33"))                    # not 0.8 × 66.67 + 20 = 73.34
    assert drill_down(a.campaign, JULY, a).standing.score == D("73.33")
    bulletin, _created = publish_bulletin(a.campaign, JULY, district["unit"], by=None, now=NOW)
    row = bulletin.scores.get(unit=a)
    assert (row.inspection_score, row.due, row.on_time, row.score) == (D("66.67"), 2, 2, D("73.33"))
    client.force_login(coordinator)
    page = client.get(RANKINGS, {"parent": district["unit"].pk, "month": "2019-07"}).content.decode()
    assert ">73.33<" in page and "66.67" in page and "73.34" not in page


def test_last_three_months_running_with_k_2_reads_3_months_running(client, district, coordinator):
    campaign = district["unit"].campaign
    campaign.streak_k = 2
    campaign.save()
    last_every_month(district, (5, 6, 7, 8))
    for month in (5, 6, 7):
        publish_bulletin(campaign, Month(2019, month), district["unit"], by=None, now=NOW)
    last = district["streets"][3]
    assert [(r.month.month, r.streak, r.flagged) for r in
            MonthlyScore.objects.filter(unit=last).order_by("month")] == [
        (5, 1, False), (6, 2, True), (7, 3, True)]
    client.force_login(coordinator)
    params = {"parent": district["unit"].pk, "month": "2019-07"}
    assert "连续3个月末位" in client.get(RANKINGS, params).content.decode()
    assert "戊街道：连续3个月位列末位" in client.get(
        reverse("inspections:bulletin-detail"), params).content.decode()
    accountability = client.get(reverse("inspections:accountability-list")).content.decode()
    assert "连续3个月" in accountability
    august = lines(compute_month(campaign, Month(2019, 8), district["unit"], now=NOW))
    assert (august["戊街道"].streak, august["戊街道"].flagged) == (4, True)
    out = StringIO()
    call_command("rankings", "2019-07", "--parent", district["unit"].code, stdout=out)
    assert "戊街道  [flagged: bottom 3 months running]" in out.getvalue()


def test_a_superseded_revisions_drill_down_links_stay_on_it(client, revised, coordinator):
    client.force_login(coordinator)
    a = revised["street"]
    detail = reverse("inspections:unit-score-detail", args=[a.pk])
    old = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07", "revision": "1"})
    page = old.content.decode()
    assert f'href="{detail}?month=2019-07&amp;kind=street&amp;revision=1"' in page
    response = client.get(detail, {"month": "2019-07", "revision": "1"})
    assert (response.context["standing"].score, response.context["standing"].rank) == (D("90.00"), 1)
    assert response.context["drill"].bulletin == revised["first"]
    assert "已被更正" in response.content.decode()
    assert "revision=1" in response.context["ranking_query"]
    current = client.get(detail, {"month": "2019-07"})
    assert (current.context["standing"].score, current.context["standing"].rank) == (D("40.00"), 4)
    current_page = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07"})
    assert f'href="{detail}?month=2019-07&amp;kind=street"' in current_page.content.decode()
    unknown = client.get(detail, {"month": "2019-07", "revision": "7"})
    assert unknown.context["standing"].score == D("40.00")
    assert "没有该版次" in unknown.content.decode()


def test_a_superseded_revisions_print_view_and_xlsx_show_its_figures(client, revised, coordinator):
    client.force_login(coordinator)
    old = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07", "revision": "1"})
    page = old.content.decode()
    print_url = reverse("inspections:bulletin-detail")
    xlsx_url = reverse("inspections:bulletin-export")
    query = f"parent={revised['unit'].pk}&amp;month=2019-07&amp;kind=street&amp;revision=1"
    assert f'href="{print_url}?{query}"' in page and f'href="{xlsx_url}?{query}"' in page
    params = {"parent": revised["unit"].pk, "month": "2019-07", "kind": "street", "revision": "1"}
    printed = client.get(print_url, params)
    assert [(line.unit.name, line.standing.score) for line in printed.context["lines"]][0] == (
        "甲街道", D("90.00"))
    assert f'?{query}">' in printed.content.decode()                  # back to revision 1
    sheet = load_workbook(io.BytesIO(client.get(xlsx_url, params).content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[2] == "甲街道"]
    assert [(row[1], row[3]) for row in rows] == [(1, 90)]
    assert "第1版" in str(sheet["A2"].value)
    current = load_workbook(io.BytesIO(client.get(xlsx_url, {**params, "revision": ""}).content)).active
    rows = [row for row in current.iter_rows(values_only=True) if row and row[2] == "甲街道"]
    assert [(row[1], row[3]) for row in rows] == [(4, 40)]


def test_an_unknown_revision_shows_the_current_one_not_the_draft(client, revised, coordinator):
    client.force_login(coordinator)
    response = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07", "revision": "9"})
    assert response.context["result"].bulletin == revised["second"]
    assert "没有该版次" in response.content.decode()


def test_changing_the_settings_records_who_changed_what_and_when(client, district, member):
    campaign = district["unit"].campaign
    office = member(district["tree"]["city"], role="coordinator", name="市创城办")
    client.force_login(office)
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    data = {"inspection_weight": "0.8", "min_sample": "3", "bottom_n": "1", "streak_k": "3",
            "photo_distance_m": "200"}
    response = client.post(url, data, follow=True)
    assert "没有改动" in response.content.decode()
    assert ScoringSettingsChange.objects.count() == 0
    when = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)           # 09:30 in Shanghai
    with time_machine.travel(when, tick=False):
        client.post(url, {**data, "inspection_weight": "0.7", "streak_k": "2"})
    with time_machine.travel(when + HOUR, tick=False):
        client.post(url, {**data, "inspection_weight": "0.7", "streak_k": "2", "bottom_n": "2"})
    changes = list(ScoringSettingsChange.objects.values_list(
        "field", "old", "new", "changed_by__name", "changed_at"))
    assert changes == [                                           # newest first
        ("bottom_n", "1", "2", "市创城办", when + HOUR),
        ("streak_k", "3", "2", "市创城办", when),
        ("inspection_weight", "0.80", "0.70", "市创城办", when),
    ]
    page = client.get(url)
    rows = [(c.field, c.old, c.new) for c in page.context["history"]]
    assert rows[0] == ("bottom_n", "1", "2")                       # newest first
    html = page.content.decode()
    assert "2026-03-02 10:30" in html and "2026-03-02 09:30" in html and "0.80" in html


def test_the_settings_history_is_paged(client, district, member):
    campaign = district["unit"].campaign
    office = member(district["tree"]["city"], role="coordinator")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(25):
        update_scoring_settings(campaign, {"inspection_weight": D("0.80"), "min_sample": 3 + n % 2,
                                           "bottom_n": 1, "streak_k": 3},
                                by=office, now=start + n * HOUR)
    assert ScoringSettingsChange.objects.count() == 24          # the first save changed nothing
    client.force_login(office)
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    first = client.get(url)
    assert len(first.context["history"].object_list) == 20
    assert first.context["history"][0].changed_at == start + 24 * HOUR
    second = client.get(url, {"page": "2"})
    assert [c.changed_at for c in second.context["history"]][-1] == start + HOUR
    assert len(second.context["history"].object_list) == 4
    for page in ["abc", "-1", "9" * 40]:
        assert client.get(url, {"page": page}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 40, "１"])
def test_a_malformed_revision_gets_the_current_figures_and_a_message(client, revised, coordinator, value):
    client.force_login(coordinator)
    detail = reverse("inspections:unit-score-detail", args=[revised["street"].pk])
    for url, params in [(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07"}),
                        (detail, {"month": "2019-07"})]:
        response = client.get(url, {**params, "revision": value})
        assert response.status_code == 200
        assert [m.message for m in response.context["messages"]] != []
    with pytest.raises(CommandError):
        call_command("rankings", "2019-07", "--parent", revised["unit"].code, "--revision", value,
                     stdout=StringIO(), stderr=StringIO())
