"""The supervision rules page (督办): the campaign office edits the rules and sees the last runs
and the calendar's gaps; bad input saves nothing; everyone else is refused."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from campaign.models import CalendarYear
from inspections.models import SupervisionRules, SupervisionRun
from tests import factories

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
VALID = {"remind_before_hours": "12", "remind_on_day": "on", "escalate_parent_after": "2",
         "escalate_leaders_after": "5", "verify_after": "3", "reroute_after": "1",
         "triage_after": "1", "task_silent_days": "10", "remind_behind_tasks": "on"}


@pytest.fixture
def url(tree):
    return reverse("inspections:supervision-rules", args=[tree["city"].campaign_id])


def test_the_office_saves_the_rules(client, tree, people, url):
    client.force_login(people["coordinator"])
    moment = dt.datetime(2026, 3, 2, 10, tzinfo=ZONE)
    with time_machine.travel(moment, tick=False):
        response = client.post(url, VALID)
    assert response.status_code == 302 and response["Location"] == url
    rules = SupervisionRules.objects.get(campaign=tree["city"].campaign)
    assert (rules.remind_before_hours, rules.remind_on_day, rules.escalate_parent_after,
            rules.escalate_leaders_after, rules.verify_after, rules.reroute_after,
            rules.triage_after, rules.task_silent_days, rules.remind_behind_tasks,
            rules.remind_rework) == (12, True, 2, 5, 3, 1, 1, 10, True, False)
    assert rules.updated_by == people["coordinator"] and rules.updated_at == moment
    page = client.get(url).content.decode()
    assert "规则已保存" in page or "督办规则已保存" in page


@pytest.mark.parametrize(("field", "value"), [
    ("remind_before_hours", "337"), ("escalate_parent_after", "-1"), ("verify_after", "61"),
    ("task_silent_days", "91"), ("triage_after", "abc"), ("reroute_after", ""),
    ("escalate_leaders_after", "1"),   # sooner than the unit above (2)
    ("remind_before_hours", "9" * 30),
])
def test_bad_input_is_refused_and_nothing_saved(client, tree, people, url, field, value):
    client.force_login(people["coordinator"])
    response = client.post(url, {**VALID, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "未保存" in response.content.decode()
    assert not SupervisionRules.objects.filter(campaign=tree["city"].campaign).exists()


def test_the_page_shows_the_last_runs_and_the_calendars_gaps(client, tree, people, url):
    campaign = tree["city"].campaign
    start = dt.datetime(2026, 11, 20, 9, tzinfo=ZONE)
    for n in range(12):
        SupervisionRun.objects.create(
            campaign=campaign, started_at=start + dt.timedelta(minutes=5 * n),
            finished_at=start + dt.timedelta(minutes=5 * n, seconds=1),
            counts={"due_soon": n, "overdue_parent": 1}, guessed_years=[2027] if n == 11 else [])
    client.force_login(people["coordinator"])
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=ZONE), tick=False):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="supervision-run"') == 10
    assert "2026-11-20 09:55:00" in page and "2026-11-20 09:05:00" not in page
    assert page.count('class="alert alert-warning calendar-warning"') == 1
    assert "2027" in page
    CalendarYear.objects.create(campaign=campaign, year=2027)
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=ZONE), tick=False):
        assert "calendar-warning" not in client.get(url).content.decode()
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=ZONE), tick=False):
        assert "calendar-warning" not in client.get(url).content.decode()


def test_others_are_refused(client, tree, people, member, url):
    district = member(tree["district_a"], "coordinator")
    for user, status in ((district, 403), (people["staff"], 403), (people["leader"], 403)):
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, VALID).status_code == status
    outsider_root = factories.UnitFactory(parent=None, kind="headquarters")
    client.force_login(member(outsider_root, "coordinator"))
    assert client.get(url).status_code == 404
    assert not SupervisionRules.objects.exists()


def test_the_nav_leads_the_office_to_its_rules(client, tree, people, url):
    client.force_login(people["coordinator"])
    page = client.get(reverse("inspections:rectification-list")).content.decode()
    assert reverse("inspections:supervision-index") in page
    assert client.get(reverse("inspections:supervision-index"))["Location"] == url
    client.force_login(people["staff"])
    page = client.get(reverse("inspections:rectification-list")).content.decode()
    assert reverse("inspections:supervision-index") not in page
    assert client.get(reverse("inspections:supervision-index")).status_code == 403
