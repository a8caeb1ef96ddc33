"""Working days (工作日) on China's calendar: the arithmetic across the Spring Festival and National
Day of 2025 and 2026 with their make-up days (调休), each key day checked against the
`chinesecalendar` package too; a year the package does not know; the calendar page; a task's due
date counted in working days."""

import datetime as dt
import zoneinfo

import chinese_calendar
import pytest
import time_machine
from django.urls import reverse

from campaign.calendar import (
    Period,
    UnknownYear,
    WorkingCalendar,
    calendar_warnings,
    day_after,
    describe,
)
from campaign.enums import DayCount
from campaign.models import CalendarDay, CalendarYear, Task
from campaign.workdays import services
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
W, N = DayCount.WORKING, DayCount.NATURAL


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end(year, month, day):
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=SHANGHAI)


def workday(year, month, day) -> bool:
    return chinese_calendar.is_workday(dt.date(year, month, day))


@pytest.fixture
def calendar():
    return WorkingCalendar(None)


# ---- the package's facts the cases below rest on ------------------------------------------

@pytest.mark.parametrize(("day", "working"), [
    # 2025 Spring Festival: 1-28 … 2-4 off; Sunday 1-26 and Saturday 2-8 make-up days.
    ((2025, 1, 26), True), ((2025, 1, 27), True), ((2025, 1, 28), False), ((2025, 2, 4), False),
    ((2025, 2, 5), True), ((2025, 2, 8), True),
    # 2025 National Day: 10-1 … 10-8 off; Sunday 9-28 and Saturday 10-11 make-up days.
    ((2025, 9, 28), True), ((2025, 10, 1), False), ((2025, 10, 8), False), ((2025, 10, 9), True),
    ((2025, 10, 11), True),
    # 2026 Spring Festival: 2-15 … 2-23 off; Saturdays 2-14 and 2-28 make-up days.
    ((2026, 2, 13), True), ((2026, 2, 14), True), ((2026, 2, 15), False), ((2026, 2, 23), False),
    ((2026, 2, 24), True), ((2026, 2, 28), True),
    # 2026 National Day: 10-1 … 10-7 off; Sunday 9-20 and Saturday 10-10 make-up days.
    ((2026, 9, 20), True), ((2026, 10, 1), False), ((2026, 10, 7), False), ((2026, 10, 8), True),
    ((2026, 10, 10), True), ((2026, 10, 11), False),
])
def test_is_working_day_agrees_with_the_package(calendar, day, working):
    assert workday(*day) is working
    assert calendar.is_working_day(dt.date(*day)) is working


# ---- adding working days ------------------------------------------------------------------

@pytest.mark.parametrize(("start", "n", "expected"), [
    # Spring Festival 2025: from Monday 1-27 (the last working day before it).
    (at(2025, 1, 27), 1, end(2025, 2, 5)),
    (at(2025, 1, 27), 3, end(2025, 2, 7)),
    (at(2025, 1, 27), 4, end(2025, 2, 8)),      # the make-up Saturday counts
    (at(2025, 1, 27), 5, end(2025, 2, 10)),
    (at(2025, 1, 25), 1, end(2025, 1, 26)),     # Saturday → the make-up Sunday
    # National Day 2025: from Tuesday 9-30.
    (at(2025, 9, 30), 1, end(2025, 10, 9)),
    (at(2025, 9, 30), 3, end(2025, 10, 11)),    # 10-9, 10-10, the make-up Saturday 10-11
    # Spring Festival 2026: from Friday 2-13.
    (at(2026, 2, 13), 1, end(2026, 2, 14)),     # the make-up Saturday
    (at(2026, 2, 13), 2, end(2026, 2, 24)),
    (at(2026, 2, 13), 6, end(2026, 2, 28)),     # 2-14, 2-24 … 2-27, the make-up Saturday 2-28
    # National Day 2026: from Wednesday 9-30.
    (at(2026, 9, 30), 1, end(2026, 10, 8)),
    (at(2026, 9, 30), 3, end(2026, 10, 10)),    # the make-up Saturday 10-10
    (at(2026, 9, 30), 4, end(2026, 10, 12)),    # Sunday 10-11 is off
])
def test_add_working_days_across_the_holidays(calendar, start, n, expected):
    assert calendar.add_working_days(start, n) == expected
    # The expected day is a working day and every day between that is counted is one too.
    assert workday(expected.year, expected.month, expected.day)
    counted = [start.date() + dt.timedelta(days=k)
               for k in range(1, (expected.date() - start.date()).days + 1)]
    assert sum(chinese_calendar.is_workday(day) for day in counted) == n


@pytest.mark.parametrize(("start", "expected"), [
    (at(2025, 1, 27, 15), end(2025, 1, 27)),    # a working day: its own end
    (at(2025, 10, 1, 9), end(2025, 10, 9)),     # a holiday: the end of the next working day
    (at(2026, 2, 15, 9), end(2026, 2, 24)),
    (at(2026, 10, 10, 9), end(2026, 10, 10)),   # a make-up Saturday is a working day
])
def test_zero_working_days_is_the_end_of_the_day_or_of_the_next_working_one(calendar, start,
                                                                           expected):
    assert calendar.add_working_days(start, 0) == expected
    assert workday(expected.year, expected.month, expected.day)


def test_the_day_is_the_campaigns_local_day():
    # 17:00 UTC on 1-27 is 01:00 on 1-28 in Shanghai (a holiday), 23:00 on 1-27 in Urumqi.
    moment = dt.datetime(2025, 1, 27, 17, 0, tzinfo=dt.UTC)
    shanghai = factories.CampaignFactory(time_zone="Asia/Shanghai")
    urumqi = factories.CampaignFactory(time_zone="Asia/Urumqi")
    assert WorkingCalendar(shanghai).add_working_days(moment, 0) == end(2025, 2, 5)
    deadline = WorkingCalendar(urumqi).add_working_days(moment, 0)
    assert deadline == dt.datetime(2025, 1, 27, 23, 59, 59, tzinfo=zoneinfo.ZoneInfo("Asia/Urumqi"))
    assert deadline.isoformat() == "2025-01-27T23:59:59+06:00"


def test_natural_days_count_every_day(calendar):
    assert calendar.deadline_after(at(2025, 9, 30), 3, N) == end(2025, 10, 3)
    assert calendar.deadline_after(at(2025, 9, 30), 3, W) == end(2025, 10, 11)


def test_working_days_between_across_a_holiday(calendar):
    deadline = end(2025, 1, 27)
    # The holiday's days are not working days; 2-5 counts once it is over.
    assert calendar.working_days_between(deadline, at(2025, 2, 5, 12)) == 0
    assert calendar.working_days_between(deadline, end(2025, 2, 5)) == 1
    assert calendar.working_days_between(deadline, at(2025, 2, 9, 12)) == 4   # 2-5 … 2-8
    assert calendar.working_days_between(at(2026, 9, 29), end(2026, 10, 10)) == 4


def test_describe_reads_in_chinese():
    assert describe(3, W) == "3 个工作日"
    assert describe(3, N) == "3 天"
    assert str(Period(1, W)) == "1 个工作日"


# ---- a year the package does not know ----------------------------------------------------

@pytest.fixture
def campaign_2027(db):
    return factories.CampaignFactory(start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))


def test_a_year_the_package_does_not_know_is_refused_then_entered(campaign_2027):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2027, 1, 4))
    assert workday(2026, 12, 31)
    start = at(2026, 12, 30)
    with pytest.raises(UnknownYear, match="2027") as error:
        WorkingCalendar(campaign_2027).add_working_days(start, 3)
    assert "本系统尚不知道 2027 年的国家法定节假日" in str(error.value)
    assert WorkingCalendar(campaign_2027).unknown_years([2026, 2027]) == [2027]
    # The office enters 1-1 (a Friday) off and marks the year: the rest goes Monday to Friday.
    CalendarDay.objects.create(campaign=campaign_2027, day=dt.date(2027, 1, 1),
                               is_working_day=False, note="元旦")
    CalendarYear.objects.create(campaign=campaign_2027, year=2027)
    assert WorkingCalendar(campaign_2027).add_working_days(start, 3) == end(2027, 1, 5)
    # A local day off moves it on.
    CalendarDay.objects.create(campaign=campaign_2027, day=dt.date(2027, 1, 4),
                               is_working_day=False, note="本地放假")
    assert WorkingCalendar(campaign_2027).add_working_days(start, 3) == end(2027, 1, 6)
    # Other campaigns still cannot count 2027.
    with pytest.raises(UnknownYear):
        WorkingCalendar(factories.CampaignFactory()).add_working_days(start, 3)


def test_a_local_day_off_changes_a_known_year(campaign_2027):
    start = at(2026, 2, 27)
    assert WorkingCalendar(campaign_2027).add_working_days(start, 2) == end(2026, 3, 2)
    CalendarDay.objects.create(campaign=campaign_2027, day=dt.date(2026, 3, 2),
                               is_working_day=False)
    assert WorkingCalendar(campaign_2027).add_working_days(start, 2) == end(2026, 3, 3)
    assert workday(2026, 2, 28) and workday(2026, 3, 2)   # 2-28 a make-up Saturday


def test_warnings_only_when_the_coming_60_days_reach_an_unknown_year(campaign_2027):
    assert calendar_warnings([campaign_2027], at(2026, 10, 1)) == []
    (warning,) = calendar_warnings([campaign_2027], at(2026, 11, 15))
    assert (warning.campaign, warning.years, warning.may_enter) == (campaign_2027, [2027], False)
    assert "2027" in warning.messages[0]
    CalendarYear.objects.create(campaign=campaign_2027, year=2027)
    assert calendar_warnings([campaign_2027], at(2026, 11, 15)) == []


def test_a_due_date_counted_from_a_start_date(campaign_2027):
    calendar = WorkingCalendar(campaign_2027)
    assert day_after(calendar, dt.date(2026, 9, 30), Period(3, W)) == dt.date(2026, 10, 10)
    assert day_after(calendar, dt.date(2026, 9, 30), Period(3, N)) == dt.date(2026, 10, 3)
    assert day_after(calendar, dt.date(2026, 10, 1), Period(0, W)) == dt.date(2026, 10, 8)


# ---- the calendar page --------------------------------------------------------------------

@pytest.fixture
def office(campaign_2027, member):
    root = factories.UnitFactory(campaign=campaign_2027, parent=None, kind="headquarters")
    district = factories.UnitFactory(parent=root, kind="district")
    return {"root": root, "office": member(root, "coordinator"),
            "district": member(district, "coordinator")}


def page_url(campaign):
    return reverse("campaign-calendar", args=[campaign.pk])


def post(client, campaign, **data):
    with time_machine.travel(at(2026, 11, 20), tick=False):
        return client.post(page_url(campaign), data)


def test_calendar_page_shows_the_years_and_warns_about_an_unknown_one(client, office,
                                                                       campaign_2027):
    client.force_login(office["office"])
    with time_machine.travel(at(2026, 11, 20), tick=False):
        response = client.get(page_url(campaign_2027))
    body = response.content.decode()
    assert response.status_code == 200
    assert "系统已知道 2026 年的国家节假日和调休日。" in body
    assert "本系统不知道 2027 年的国家法定节假日：无法计算 2027 年的工作日。" in body
    assert "标记 2027 年录入完成" in body


def test_calendar_page_adds_removes_and_marks_a_year(client, office, campaign_2027):
    client.force_login(office["office"])
    response = post(client, campaign_2027, action="add", day="2027-01-01", kind="off",
                    note="元旦")
    assert response.status_code == 302
    day = CalendarDay.objects.get(campaign=campaign_2027)
    assert (day.day, day.is_working_day, day.note) == (dt.date(2027, 1, 1), False, "元旦")
    # The same day again changes it.
    post(client, campaign_2027, action="add", day="2027-01-01", kind="working", note="调休")
    assert CalendarDay.objects.get(campaign=campaign_2027).is_working_day is True
    assert post(client, campaign_2027, action="mark", year="2027").status_code == 302
    year = CalendarYear.objects.get(campaign=campaign_2027)
    assert (year.year, year.entered_by) == (2027, office["office"])
    with time_machine.travel(at(2026, 11, 20), tick=False):
        body = client.get(page_url(campaign_2027)).content.decode()
    assert "手工录入并标记完成" in body and "撤销：尚未录入完成" in body
    assert post(client, campaign_2027, action="unmark", year="2027").status_code == 302
    assert not CalendarYear.objects.exists()
    assert post(client, campaign_2027, action="remove", day="2027-01-01").status_code == 302
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "add", "day": "2029-01-01", "kind": "off"}, "只能录入 2025 至 2028 年的日期"),
    ({"action": "add", "day": "2027-01-01", "kind": "off", "note": "长" * 121},
     "Ensure this value has at most 120 characters"),
    ({"action": "add", "day": "not a day", "kind": "off"}, "日期"),
    ({"action": "add", "day": "2027-01-01", "kind": "maybe"}, "kind"),
    ({"action": "mark", "year": "2026"}, "系统已知道 2026 年的国家日历：无需手工录入。"),
    ({"action": "mark", "year": "2027"}, "请先录入 2027 年的放假日和调休上班日，再标记该年录入完成。"),
    ({"action": "unmark", "year": "2027"}, "2027 年未标记为录入完成。"),
    ({"action": "remove", "day": "2027-05-01"}, "2027-05-01 不在本工作的自定义日期中。"),
    ({"action": "mark", "year": "x"}, "请选择年份。"),
    ({"action": "drop"}, "未知的修改。"),
])
def test_calendar_page_refuses_bad_input_and_saves_nothing(client, office, campaign_2027, data,
                                                           message):
    client.force_login(office["office"])
    with time_machine.travel(at(2026, 11, 20), tick=False):
        response = post(client, campaign_2027, **data)
    assert response.status_code == 400
    body = response.content.decode()
    if message not in ("Ensure this value has at most 120 characters", "日期", "kind"):
        assert message in body
    else:
        assert "invalid-feedback" in body
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_calendar_page_holds_at_most_100_days_a_year(client, office, campaign_2027):
    CalendarDay.objects.bulk_create(
        CalendarDay(campaign=campaign_2027, day=dt.date(2027, 1, 1) + dt.timedelta(days=k),
                    is_working_day=False) for k in range(services.MAX_DAYS_A_YEAR))
    client.force_login(office["office"])
    response = post(client, campaign_2027, action="add", day="2027-12-01", kind="off")
    assert response.status_code == 400
    assert "2027 年已录入 100 天：请先删除一天。" in response.content.decode()
    assert CalendarDay.objects.count() == 100
    # Changing a day already there is still possible.
    assert post(client, campaign_2027, action="add", day="2027-01-01", kind="working").status_code == 302


def test_calendar_page_is_the_offices(client, office, campaign_2027, member):
    client.force_login(office["district"])
    assert client.get(page_url(campaign_2027)).status_code == 403
    assert post(client, campaign_2027, action="add", day="2027-01-01", kind="off").status_code == 403
    outsider = member(factories.UnitFactory(parent=None, kind="headquarters"), "coordinator")
    client.force_login(outsider)
    assert client.get(page_url(campaign_2027)).status_code == 404
    assert not CalendarDay.objects.exists()
    with pytest.raises(services.CalendarError):
        services.add_calendar_day(campaign_2027, day=dt.date(2027, 1, 1), is_working_day=False,
                                  by=office["district"])


# ---- a task's due date counted from its start ----------------------------------------------

def test_task_form_counts_the_due_date_in_working_days(client, tree, member):
    coordinator = member(tree["city"], "coordinator")
    client.force_login(coordinator)
    with time_machine.travel(at(2026, 9, 1), tick=False):
        response = client.post(reverse("task-create"), {
            "unit": tree["district_a"].pk, "title": "背街小巷整治", "category": "back_street",
            "start": "2026-09-30", "due": "", "due_days": "3", "due_count": "working",
            "target": "10", "measure": "条"})
        task = Task.objects.get(title="背街小巷整治")
        assert response.status_code == 302
        assert (task.due, task.due_days, task.due_count) == (dt.date(2026, 10, 10), 3, W)
        body = client.get(task.get_absolute_url()).content.decode()
    assert "2026-09-30 – 2026-10-10" in body
    assert '<span class="text-muted" id="due-counted">(3 个工作日)</span>' in body


def test_task_form_a_picked_due_date_records_no_count(client, tree, member):
    client.force_login(member(tree["city"], "coordinator"))
    with time_machine.travel(at(2026, 9, 1), tick=False):
        client.post(reverse("task-create"), {
            "unit": tree["district_a"].pk, "title": "市场整治", "category": "market",
            "start": "2026-09-30", "due": "2026-10-31", "due_count": "working",
            "target": "10", "measure": "个"})
    task = Task.objects.get(title="市场整治")
    assert (task.due, task.due_days, task.due_count) == (dt.date(2026, 10, 31), None, "")


def test_task_form_refuses_an_unknown_year_and_a_missing_due_date(client, tree, member):
    coordinator = member(tree["city"], "coordinator")
    data = {"unit": tree["district_a"].pk, "title": "跨年任务", "category": "market",
            "start": "2026-12-30", "due": "", "due_days": "5", "due_count": "working",
            "target": "10", "measure": "个"}
    with time_machine.travel(at(2026, 12, 1), tick=False):
        client.force_login(coordinator)   # (sessions expire: logged in at the page's time)
        response = client.post(reverse("task-create"), data)
        assert response.status_code == 200
        assert "本系统尚不知道 2027 年的国家法定节假日" in response.content.decode()
        response = client.post(reverse("task-create"), {**data, "due_days": ""})
        assert "请选择截止日期，或填写从开始日期起的天数。" in response.content.decode()
        # The page warns before anyone counts: the coming 60 days reach 2027.
        page = client.get(reverse("task-create")).content.decode()
    assert "calendar-warning" in page and "打开工作日日历" in page
    assert not Task.objects.filter(title="跨年任务").exists()


def test_a_campaign_past_its_period_may_enter_this_year_and_the_next(client, office, campaign_2027):
    """A campaign of 2018–2020 still supervised in 2026 enters 2027's days."""
    campaign_2027.start, campaign_2027.end = dt.date(2018, 1, 1), dt.date(2020, 12, 31)
    campaign_2027.save()
    client.force_login(office["office"])
    with time_machine.travel(at(2026, 11, 20), tick=False):
        assert post(client, campaign_2027, action="add", day="2027-01-01", kind="off").status_code == 302
        refused = post(client, campaign_2027, action="add", day="2028-01-03", kind="off")
    assert refused.status_code == 400
    assert "只能录入 2017 至 2027 年的日期" in refused.content.decode()
    assert list(CalendarDay.objects.values_list("day", flat=True)) == [dt.date(2027, 1, 1)]
