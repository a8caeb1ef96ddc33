"""The home page: every number against a hand-built data set, per role, in scope, linking to a
list that shows exactly those rows; a fixed number of queries whatever the data's size."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import LeaderCharge
from inspections.notices.services import issue_notice
from tests import factories

NOW = dt.datetime(2019, 7, 10, 2, 0, tzinfo=dt.UTC)     # 10:00 in Asia/Shanghai
DAY = dt.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        cache.clear()
        yield


def _item(unit, status, deadline, **fields):
    return factories.RectificationFactory(unit=unit, status=status, deadline=deadline,
                                          created_at=NOW - 3 * DAY, **fields)


@pytest.fixture
def data(tree, people):
    street_a, street_b, lane_a = tree["street_a"], tree["street_b"], tree["lane_a"]
    items = {
        "a1": _item(street_a, "open", NOW + DAY),                  # due soon, received
        "a2": _item(street_a, "acknowledged", NOW + 2 * DAY),      # due soon
        "a3": _item(street_a, "acknowledged", NOW - DAY),          # overdue
        "a4": _item(street_a, "rework", NOW + 10 * DAY),           # rework
        "a5": _item(street_a, "open", NOW - 2 * DAY),              # overdue, received
        "a6": _item(street_a, "submitted", NOW + DAY, submitted_at=NOW - 5 * DAY),
        "a7": _item(street_a, "returned_to_dispatch", NOW + DAY),  # sent back
        "l1": _item(lane_a, "open", NOW + 5 * DAY),                # received (street A's subtree)
        "a8": _item(street_a, "closed", NOW - 4 * DAY, closed_at=NOW - DAY),
        # District B: never counted for street A's staff nor for district A's leader.
        "b1": _item(street_b, "open", NOW - DAY),
        "b2": _item(street_b, "rework", NOW + 2 * DAY),
        "b3": _item(street_b, "submitted", NOW + DAY, submitted_at=NOW - 2 * DAY),
    }
    issue_notice(unit=street_a, subject="督办", body="请整改", by=people["coordinator"],
                 reply_by=NOW + 3 * DAY, now=NOW)
    return items


def _figures(client, user):
    response = factories.login(client, user).get(reverse("home"))
    assert response.status_code == 200
    return response


def _count(client, url):
    """The count the linked list shows."""
    response = client.get(url)
    assert response.status_code == 200
    if "count" in response.context:
        return response.context["count"]
    return len(response.context["reports"])


def test_staff_sees_their_units_items(client, tree, people, data):
    response = _figures(client, people["staff"])
    [block] = response.context["staff_blocks"]
    assert block.unit == tree["street_a"]
    assert [(f.label, f.count) for f in block.items] == [
        ("3天内到期", 2), ("逾期", 2), ("核查不通过（返工）", 1), ("已接收，未签收", 3)]
    assert block.notices.count == 1
    for figure in block.items:
        assert _count(client, figure.url) == figure.count, figure.label
    assert 'data-figure="unread" href="/notifications/?unread=1">1<' in response.content.decode()
    assert response.context["inspector"] is None and response.context["coordinator_blocks"] == []


def test_other_districts_staff_counts_only_theirs(client, people, data):
    [block] = _figures(client, people["other_staff"]).context["staff_blocks"]
    assert [f.count for f in block.items] == [1, 1, 1, 1]
    assert block.notices.count == 0


def test_notice_link_lists_exactly_the_open_notices(client, people, data):
    [block] = _figures(client, people["staff"]).context["staff_blocks"]
    page = client.get(block.notices.url)
    assert len(page.context["notices"]) == 1


def test_inspector_sees_waiting_oldest_first_with_days(client, people, data):
    inspector = _figures(client, people["inspector"]).context["inspector"]
    assert [(row.item.pk, row.days) for row in inspector.waiting] == [
        (data["a6"].pk, 5), (data["b3"].pk, 2)]
    assert inspector.waiting_count.count == 2
    assert _count(client, inspector.waiting_count.url) == 2
    assert inspector.visits_this_month.count == 0


def test_inspector_round_progress_and_visits(client, tree, people, data):
    point_1 = factories.PointFactory(unit=tree["street_a"])
    point_2 = factories.PointFactory(unit=tree["street_a"])
    round_ = _round(tree, people)
    round_.points.set([point_1, point_2])
    factories.InspectionFactory(point=point_1, round=round_, inspector=people["inspector"],
                                visited_at=NOW - DAY)
    factories.InspectionFactory(point=point_1, inspector=people["inspector"],
                                visited_at=dt.datetime(2019, 6, 30, 2, 0, tzinfo=dt.UTC))
    inspector = _figures(client, people["inspector"]).context["inspector"]
    assert [(r.pk, r.visited, r.drawn) for r in inspector.rounds] == [(round_.pk, 1, 2)]
    visits = inspector.visits_this_month
    assert visits.count == 1
    # The number links to the list of exactly those visits (June's is not this month's).
    page = client.get(visits.url)
    assert [visit.visited_at for visit in page.context["visits"]] == [NOW - DAY]
    assert 'id="my-visits"' in page.content.decode()
    june = client.get(reverse("inspections:my-visits"), {"month": "2019-06"})
    assert len(june.context["visits"]) == 1
    bad = client.get(reverse("inspections:my-visits"), {"month": "2019-13"})
    assert bad.status_code == 200 and "不是有效的月份" in bad.content.decode()
    # Another inspector's visits are never listed.
    client.force_login(people["coordinator"])
    assert client.get(visits.url).context["visits"] == []


def _round(tree, people):
    from inspections.models import InspectionRound

    return InspectionRound.objects.create(
        campaign=tree["city"].campaign, unit=tree["district_a"], name="七月上旬",
        starts_on=dt.date(2019, 7, 8), ends_on=dt.date(2019, 7, 12), seed=1, sample_size=2,
        created_by=people["inspector"])


def test_coordinator_blocks(client, tree, people, data):
    response = _figures(client, people["coordinator"])
    [block] = response.context["coordinator_blocks"]
    assert block.sent_back.count == 1 and _count(client, block.sent_back.url) == 1
    assert block.overdue.count == 3 and _count(client, block.overdue.url) == 3
    assert [(row.unit.name, row.overdue.count) for row in block.children] == [("甲区", 2), ("乙区", 1)]
    for row in block.children:
        assert _count(client, row.overdue.url) == row.overdue.count
    assert response.context["reports"].count == 0
    assert str(block.last_month) == "2019-06" and block.last_published is False


def test_coordinator_reports_to_triage_link(client, tree, people, data):
    for status in ("new", "new", "accepted"):
        _report(tree, status)
    reports = _figures(client, people["coordinator"]).context["reports"]
    assert reports.count == 2 and _count(client, reports.url) == 2


def _report(tree, status):
    from inspections.models import CitizenReport
    from inspections.services import report_problem

    report = report_problem(campaign=tree["city"].campaign, description="占道经营",
                            location="五一路", uploads=[factories.make_jpeg()])
    CitizenReport.objects.filter(pk=report.pk).update(status=status)


def test_charts_figures_and_links(client, tree, people, data):
    category = factories.CategoryFactory(standard__campaign=tree["city"].campaign, name="市容环境")
    criterion = factories.CriterionFactory(category=category)
    data["a3"].criterion = criterion
    data["a3"].save()
    [block] = _figures(client, people["coordinator"]).context["coordinator_blocks"]
    charts = block.charts
    # 2019-07-10 is a Wednesday: twelve weeks from Monday 2019-04-22 to Monday 2019-07-08.
    assert [week.start for week in charts.weeks][::11] == [dt.date(2019, 4, 22), dt.date(2019, 7, 8)]
    assert {str(w.start): (w.filed.count, w.closed.count) for w in charts.weeks
            if w.filed.count or w.closed.count} == {"2019-07-01": (12, 0), "2019-07-08": (0, 1)}
    assert _count(client, charts.weeks[-2].filed.url) == 12
    assert _count(client, charts.weeks[-1].closed.url) == 1
    assert [(f.label, f.count) for f in charts.categories] == [("无类别", 2), ("市容环境", 1)]
    for figure in charts.categories + charts.units:
        assert _count(client, figure.url) == figure.count, figure.label
    assert [(f.label, f.count) for f in charts.units] == [("甲区", 2), ("乙区", 1)]
    assert [str(row.month) for row in charts.months] == [
        "2019-02", "2019-03", "2019-04", "2019-05", "2019-06", "2019-07"]


def test_on_time_rate_of_units_below(client, tree, people):
    # Due in July before now: one on time (submitted before the deadline), one not.
    on_time = _item(tree["street_a"], "submitted", NOW - DAY, submitted_at=NOW - 2 * DAY)
    factories.RectificationEventFactory(rectification=on_time, created_at=NOW - 2 * DAY)
    _item(tree["street_a"], "acknowledged", NOW - DAY)
    [block] = _figures(client, people["coordinator"]).context["coordinator_blocks"]
    district_a = next(row for row in block.children if row.unit == tree["district_a"])
    assert (district_a.due, district_a.on_time, district_a.rate) == (2, 1, D("50.0"))
    july = block.charts.months[-1]
    assert (july.due, july.on_time, july.rate) == (2, 1, D("50.0"))


def test_leader_in_charge_without_membership(client, tree, data):
    leader = factories.UserFactory(username="boss")
    LeaderCharge.objects.create(leader=leader, unit=tree["district_a"], title="包联领导")
    response = _figures(client, leader)
    body = response.content.decode()
    assert "尚未加入任何单位" not in body
    [row] = response.context["leader_rows"]
    assert row.unit == tree["district_a"]
    assert row.overdue.count == 2 and _count(client, row.overdue.url) == 2
    assert row.trend == [] and row.flagged is False
    assert row.ranked is False      # no visits this month: not ranked


def test_leader_tasks_behind(client, tree, people):
    # Half the year gone, nothing done: behind; one past its due date: overdue.
    factories.TaskFactory(unit=tree["street_a"], start=dt.date(2019, 1, 1), due=dt.date(2019, 12, 31))
    factories.TaskFactory(unit=tree["street_a"], start=dt.date(2019, 1, 1), due=dt.date(2019, 6, 30))
    factories.TaskFactory(unit=tree["street_b"], start=dt.date(2019, 1, 1), due=dt.date(2019, 6, 30))
    [row] = _figures(client, people["leader"]).context["leader_rows"]
    assert [(f.label, f.count) for f in row.tasks] == [("逾期任务", 1), ("进度落后的任务", 1)]
    for figure in row.tasks:
        page = client.get(figure.url)
        assert page.context["tasks_total"] == figure.count


def test_nobody_is_told_they_belong_to_no_unit_unless_so(client, people):
    body = _figures(client, factories.UserFactory()).content.decode()
    assert "尚未加入任何单位" in body


def _home_queries(client, user) -> int:
    cache.clear()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_coordinator_home_queries_do_not_grow_with_the_data(client, tree, people, data):
    small = _home_queries(client, people["coordinator"])
    for index in range(30):
        unit = tree["street_a"] if index % 2 else tree["street_b"]
        _item(unit, ["open", "rework", "acknowledged", "submitted"][index % 4],
              NOW + (index - 15) * DAY, submitted_at=NOW - DAY)
    assert _home_queries(client, people["coordinator"]) == small


def test_every_roles_home_queries_are_fixed(client, tree, people, data):
    counts = {name: _home_queries(client, people[name])
              for name in ("staff", "inspector", "leader", "coordinator")}
    for index in range(20):
        _item(tree["street_a"], "open", NOW + (index - 10) * DAY)
    assert {name: _home_queries(client, people[name]) for name in counts} == counts


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31", "not-a-date"])
@pytest.mark.parametrize("name", ["filed_week", "closed_week"])
def test_a_week_at_the_calendars_edge_is_refused_not_a_server_error(client, value, name):
    user = factories.UserFactory()
    unit = factories.UnitFactory()
    factories.MembershipFactory(user=user, unit=unit, role="coordinator")
    client.force_login(user)
    for url in ("inspections:rectification-list", "inspections:rectification-ledger"):
        response = client.get(reverse(url), {name: value})
        assert response.status_code == 200
        assert list(response.context["rows"]) == []
        if value[:4].isdigit():
            assert "请选择 2000 至 2100 年之间的一周。" in response.content.decode()


def test_a_leader_of_more_units_than_shown_is_told_and_finds_them_all_linked(client, tree):
    from inspections import dashboard

    leader = factories.UserFactory()
    units = [factories.UnitFactory(parent=tree["district_a"], kind="street", name=f"街道{n}")
             for n in range(dashboard.UNITS_SHOWN + 2)]
    for unit in units:
        LeaderCharge.objects.create(leader=leader, unit=unit)
    client.force_login(leader)
    page = client.get(reverse("home"))
    assert len(page.context["leader_rows"]) == dashboard.UNITS_SHOWN
    assert page.context["units_not_shown"] == 2
    body = page.content.decode()
    assert 'id="units-not-shown"' in body
    for unit in units:
        assert f'href="{unit.get_absolute_url()}"' in body


def test_an_inspector_at_two_units_gets_the_count_its_link_lists(client, tree):
    inspector = factories.UserFactory()
    for unit in (tree["district_a"], tree["district_b"]):
        factories.MembershipFactory(user=inspector, unit=unit, role="inspector")
    factories.MembershipFactory(user=inspector, unit=tree["city"], role="unit_staff")
    filer = factories.UserFactory()
    for unit in (tree["street_a"], tree["street_b"], tree["city"]):
        factories.RectificationFactory(unit=unit, status="submitted", created_by=filer,
                                       submitted_at=NOW - DAY)
    block = _figures(client, inspector).context["inspector"]
    assert block.waiting_count.count == _count(client, block.waiting_count.url) == 3
