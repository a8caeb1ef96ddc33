"""Deadlines counted in working days (工作日): the criterion's default on a filed item, extensions,
re-routes and standalone items counted either way, and what the item page says. Every date is
pinned in 2025 or 2026 (years the `chinesecalendar` package knows) and checked against it."""

import datetime as dt
import zoneinfo

import chinese_calendar
import pytest
import time_machine
from django.urls import reverse

from campaign.enums import DayCount
from inspections import services, workflow
from inspections.enums import EventAction as A
from inspections.models import Rectification
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
W, N = DayCount.WORKING, DayCount.NATURAL


def at(year, month, day, hour=10, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end(year, month, day):
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.fixture
def working_criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                      name="乱堆乱放", deadline_days=3, deadline_count=W)


def file(tree, people, *, deadline, when, **fields):
    with time_machine.travel(when, tick=False):
        return factories.file_item(tree["street_a"], by=people["inspector"], deadline=deadline,
                                   **fields)


def page(client, user, url, when):
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_visit_files_the_item_with_the_criterions_working_days(tree, people,
                                                                 working_criterion):
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    visited = at(2025, 9, 30)
    with time_machine.travel(visited, tick=False):
        visit = services.record_visit(point=point, by=people["inspector"], mode="open",
                                      visited_at=visited,
                                      findings=[services.FindingInput(criterion=working_criterion)])
    item = Rectification.objects.get(finding__inspection=visit)
    # 10-1 … 10-8 off; 10-9, 10-10 and the make-up Saturday 10-11.
    assert [chinese_calendar.is_workday(dt.date(2025, 10, d)) for d in (8, 9, 10, 11)] == [
        False, True, True, True]
    assert (item.deadline, item.deadline_days, item.deadline_count) == (end(2025, 10, 11), 3, W)
    assert item.deadline.isoformat() == "2025-10-11T15:59:59+00:00"
    assert item.events.get(action=A.FILED).data["deadline_count"] == W


def test_a_picked_finding_deadline_records_no_count(tree, people, working_criterion):
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    visited = at(2025, 9, 30)
    with time_machine.travel(visited, tick=False):
        visit = services.record_visit(
            point=point, by=people["inspector"], mode="open", visited_at=visited,
            findings=[services.FindingInput(criterion=working_criterion,
                                            deadline=at(2025, 10, 20, 18))])
    item = Rectification.objects.get(finding__inspection=visit)
    assert (item.deadline, item.deadline_days, item.deadline_count) == (at(2025, 10, 20, 18),
                                                                        None, "")


def test_a_visit_into_an_unknown_year_is_refused_whole(tree, people):
    campaign = tree["city"].campaign
    criterion = factories.CriterionFactory(category__standard__campaign=campaign,
                                           deadline_days=3, deadline_count=W)
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    visited = at(2026, 12, 30)
    with time_machine.travel(visited, tick=False):
        with pytest.raises(services.InspectionError, match="2027"):
            services.record_visit(point=point, by=people["inspector"], mode="open",
                                  visited_at=visited,
                                  findings=[services.FindingInput(criterion=criterion)])
    assert not Rectification.objects.exists()


def test_offered_deadline_counts_the_criterions_working_days(tree, people, working_criterion):
    item = file(tree, people, deadline=at(2026, 9, 25), when=at(2026, 9, 20),
                criterion=working_criterion)
    # From 9-29: 9-30, then 10-8 and 10-9 after the National Day holiday.
    assert services.offered_deadline(item, at(2026, 9, 29)) == end(2026, 10, 9)
    assert services.default_deadline(None, at(2026, 9, 29)) == end(2026, 10, 2)  # 3 natural days


def test_reroute_taking_the_offered_deadline_records_the_criterions_count(client, tree, people,
                                                                         working_criterion):
    item = file(tree, people, deadline=at(2026, 9, 25), when=at(2026, 9, 20),
                criterion=working_criterion)
    item = workflow.send_back(item, by=people["staff"], version=None, reason="不归我们管",
                              at=at(2026, 9, 21))
    now = at(2026, 9, 29)
    with time_machine.travel(now, tick=False):
        client.force_login(people["coordinator"])
        response = client.post(reverse("inspections:rectification-step", args=[item.pk, "reroute"]), {
            "version": item.version, "unit": tree["street_b"].pk, "note": "属地在乙街道",
            "deadline": "2026-10-09T23:59", "deadline_count": "natural"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.deadline, item.deadline_days, item.deadline_count) == (end(2026, 10, 9), 3, W)


def test_extension_by_working_days_and_the_item_page(client, tree, people):
    item = file(tree, people, deadline=end(2026, 9, 30), when=at(2026, 9, 20))
    now = at(2026, 9, 29)
    with time_machine.travel(now, tick=False):
        client.force_login(people["coordinator"])
        response = client.post(reverse("inspections:rectification-step", args=[item.pk, "extend"]), {
            "version": item.version, "deadline": "2026-10-03T23:59", "deadline_days": "3",
            "deadline_count": "working", "reason": "国庆假期"})
    assert response.status_code == 302
    item.refresh_from_db()
    # The count wins over the date; counted on from the current deadline (9-30): 10-8, 10-9 and
    # the make-up Saturday 10-10.
    assert chinese_calendar.is_workday(dt.date(2026, 10, 10))
    assert (item.deadline, item.deadline_days, item.deadline_count) == (end(2026, 10, 10), 3, W)
    event = item.events.get(action=A.EXTENDED)
    assert (event.data["new_deadline"], event.data["deadline_days"], event.data["deadline_count"]) == (
        "2026-10-10T23:59:59+08:00", 3, W)
    body = page(client, people["coordinator"], item.get_absolute_url(), now)
    assert "2026-10-10 23:59 <span class=\"text-muted\" id=\"deadline-counted\">(3 个工作日)</span>" in body
    # Working days after 9-29 up to 10-10: 9-30, 10-8, 10-9, 10-10.
    assert '<span class="badge text-bg-light" id="deadline-left">今天之后还剩 4 个工作日</span>' in body
    cards = page(client, people["coordinator"], reverse("inspections:rectification-list"), now)
    assert "2026-10-10 23:59 (3 个工作日)" in cards


def test_a_picked_extension_clears_the_count(client, tree, people, working_criterion):
    item = file(tree, people, deadline=end(2026, 9, 30), when=at(2026, 9, 20))
    with time_machine.travel(at(2026, 9, 21), tick=False):
        workflow.extend_deadline(item, by=people["coordinator"], version=None, reason="延期",
                                 deadline=end(2026, 10, 12),
                                 period=services.deadline_period(working_criterion))
    item.refresh_from_db()
    assert (item.deadline_days, item.deadline_count) == (3, W)
    with time_machine.travel(at(2026, 9, 22), tick=False):
        client.force_login(people["coordinator"])
        response = client.post(reverse("inspections:rectification-step", args=[item.pk, "extend"]), {
            "version": item.version, "deadline": "2026-10-20T18:00", "deadline_days": "",
            "deadline_count": "working", "reason": "再延期"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.deadline, item.deadline_days, item.deadline_count) == (at(2026, 10, 20, 18),
                                                                        None, "")
    assert "id=\"deadline-counted\"" not in page(client, people["coordinator"],
                                                 item.get_absolute_url(), at(2026, 9, 22))


def test_an_extension_into_an_unknown_year_is_refused_with_its_message(client, tree, people):
    item = file(tree, people, deadline=end(2026, 12, 30), when=at(2026, 12, 20))
    with time_machine.travel(at(2026, 12, 28), tick=False):
        client.force_login(people["coordinator"])
        response = client.post(reverse("inspections:rectification-step", args=[item.pk, "extend"]), {
            "version": item.version, "deadline": "", "deadline_days": "3",
            "deadline_count": "working", "reason": "跨年"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "本系统尚不知道 2027 年的国家法定节假日：无法计算 2027 年的工作日。" in body
    # The page warns too, with the way to the calendar for the office.
    assert "calendar-warning" in body and "打开工作日日历" in body
    item.refresh_from_db()
    assert (item.deadline, item.deadline_days, item.events.count()) == (end(2026, 12, 30), None, 1)


def test_a_standalone_item_counted_from_a_holiday(client, tree, people):
    with time_machine.travel(at(2026, 10, 1), tick=False):
        client.force_login(people["inspector"])
        response = client.post(reverse("inspections:rectification-create"), {
            "unit": tree["street_a"].pk, "title": "井盖缺失", "deadline": "",
            "deadline_days": "0", "deadline_count": "working"})
    assert response.status_code == 302
    item = Rectification.objects.get(title="井盖缺失")
    # 0 working days on a holiday: the end of the next working day (10-8).
    assert not chinese_calendar.is_workday(dt.date(2026, 10, 1))
    assert (item.deadline, item.deadline_days, item.deadline_count) == (end(2026, 10, 8), 0, W)


def test_a_standalone_item_needs_a_date_or_a_count(client, tree, people):
    with time_machine.travel(at(2026, 10, 1), tick=False):
        client.force_login(people["inspector"])
        response = client.post(reverse("inspections:rectification-create"), {
            "unit": tree["street_a"].pk, "title": "井盖缺失", "deadline": "",
            "deadline_days": "400", "deadline_count": "working"})
        assert response.status_code == 200
        assert "确保该值小于或等于366" in response.content.decode()
        response = client.post(reverse("inspections:rectification-create"), {
            "unit": tree["street_a"].pk, "title": "井盖缺失", "deadline": ""})
    assert "请选择整改期限，或填写天数。" in response.content.decode()
    assert not Rectification.objects.exists()


def test_the_item_page_says_how_long_overdue_in_working_days(client, tree, people):
    item = file(tree, people, deadline=end(2025, 1, 27), when=at(2025, 1, 20))
    Rectification.objects.filter(pk=item.pk).update(deadline_days=3, deadline_count=N)
    # 1-28 … 2-4 off; 2-5 has ended by 2-6.
    body = page(client, people["coordinator"], item.get_absolute_url(), at(2025, 2, 6))
    assert "(3 天)" in body
    assert '<span class="badge text-bg-danger" id="deadline-left">已逾期 1 个工作日</span>' in body


def test_the_item_page_makes_no_guess_in_an_unknown_year(client, tree, people):
    item = file(tree, people, deadline=at(2027, 1, 8, 18), when=at(2026, 12, 20))
    body = page(client, people["coordinator"], item.get_absolute_url(), at(2026, 12, 20))
    assert 'id="deadline-left"' not in body
    assert services.working_days_left(item, at(2026, 12, 20)) is None


def test_the_criterion_form_offers_working_days_and_the_standard_page_shows_them(
        client, tree, people):
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           deadline_days=3)
    standard = criterion.category.standard
    with time_machine.travel(at(2026, 6, 1), tick=False):
        client.force_login(people["coordinator"])
        response = client.post(reverse("inspections:criterion-edit", args=[standard.pk, criterion.pk]), {
            "category": criterion.category.pk, "key": criterion.key, "name": criterion.name,
            "order": 0, "points": "2", "deadline_days": 3, "deadline_count": "working",
            "is_active": "on"})
        assert response.status_code == 302
        body = client.get(reverse("inspections:standard-detail", args=[standard.pk])).content.decode()
    criterion.refresh_from_db()
    assert criterion.deadline_count == W
    assert '<td class="criterion-period">3 个工作日</td>' in body
    assert reverse("campaign-calendar", args=[standard.campaign_id]) in body


def test_triage_counts_the_criterions_working_days_or_a_count_given(client, tree, people,
                                                                    working_criterion):
    campaign = tree["city"].campaign
    now = at(2026, 2, 13)
    with time_machine.travel(now, tick=False):
        reports = [services.report_problem(campaign=campaign, description=f"井盖缺失{n}",
                                           location="甲街口", uploads=[factories.make_jpeg()])
                   for n in range(2)]
        client.force_login(people["coordinator"])
        for report, extra in zip(reports, ({}, {"deadline_days": "5", "deadline_count": "natural"}),
                                 strict=True):
            response = client.post(reverse("inspections:report-detail", args=[report.pk]), {
                "accept": "1", "unit": tree["street_a"].pk, "title": report.description,
                "criterion": working_criterion.pk, "deadline": "", **extra})
            assert response.status_code == 302
    first, second = (Rectification.objects.get(citizen_reports=report) for report in reports)
    # From Friday 2-13: the make-up Saturday 2-14, then 2-24 and 2-25 after the Spring Festival.
    assert (first.deadline, first.deadline_days, first.deadline_count) == (end(2026, 2, 25), 3, W)
    assert (second.deadline, second.deadline_days, second.deadline_count) == (end(2026, 2, 18), 5, N)
