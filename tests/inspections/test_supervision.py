"""督办: each producer's rule, recipients and keys, the overdue ladder at frozen times over the
Spring Festival and National Day, idempotency, the bounded look-back, a year the calendar does not
know, and a run's query count."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.calendar import WorkingCalendar
from campaign.models import CalendarYear, LeaderCharge
from campaign.notifications.models import Delivery, Notification, UnitWebhook
from campaign.notifications.services import Message, notify
from campaign.people import People
from inspections import supervision, workflow
from inspections.models import CitizenReport, SupervisionRules, SupervisionRun
from inspections.supervision import Round, supervise
from tests import factories

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZONE)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ZONE)


@pytest.fixture
def world(db):
    """city (office coordinator, inspector) → district A (coordinator, inspector; a leader in
    charge) → street A (two staff) → lane A (staff); city → district B → street B (staff)."""
    campaign = factories.CampaignFactory(start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31))
    city = factories.UnitFactory(campaign=campaign, parent=None, kind="headquarters", name="市指挥部")
    district_a = factories.UnitFactory(parent=city, kind="district", name="甲区")
    district_b = factories.UnitFactory(parent=city, kind="district", name="乙区")
    street_a = factories.UnitFactory(parent=district_a, kind="street", name="甲街道")
    street_b = factories.UnitFactory(parent=district_b, kind="street", name="乙街道")
    lane_a = factories.UnitFactory(parent=street_a, kind="lane_office", name="甲巷")

    def member(unit, role, username):
        user = factories.UserFactory(username=username)
        factories.MembershipFactory(user=user, unit=unit, role=role)
        return user

    users = {
        "office": member(city, "coordinator", "office"),
        "city_insp": member(city, "inspector", "city_insp"),
        "dist_coord": member(district_a, "coordinator", "dist_coord"),
        "dist_insp": member(district_a, "inspector", "dist_insp"),
        "staff": member(street_a, "unit_staff", "staff"),
        "staff2": member(street_a, "unit_staff", "staff2"),
        "lane_staff": member(lane_a, "unit_staff", "lane_staff"),
        "other": member(street_b, "unit_staff", "other"),
        "leader": factories.UserFactory(username="leader"),
    }
    LeaderCharge.objects.create(leader=users["leader"], unit=district_a)
    units = {"city": city, "district_a": district_a, "district_b": district_b,
             "street_a": street_a, "street_b": street_b, "lane_a": lane_a}
    return campaign, units, users


def file(world, unit="street_a", *, deadline, filed):
    _campaign, units, users = world
    return factories.file_item(units[unit], by=users["office"], deadline=deadline, at=filed)


def make_round(world, now, since=None, **rules) -> Round:
    campaign = world[0]
    return Round(campaign=campaign, rules=SupervisionRules(campaign=campaign, **rules),
                 calendar=WorkingCalendar(campaign, strict=False), people=People(campaign),
                 now=now, since=since or now - supervision.LOOK_BACK)


def produced(producer, round_) -> list[tuple[str, str, int | None, list[str]]]:
    """(kind, key, unit_id, recipients' usernames) of what the producer yields."""
    return [(message.kind, message.key, message.unit_id, sorted(u.username for u in people))
            for message, people in producer(round_)]


def told() -> list[tuple[str, str, str]]:
    return sorted(Notification.objects.values_list("recipient__username", "kind", "key"))


# ---- each producer's recipients and keys -----------------------------------------------------

def test_due_soon_tells_the_units_staff_once_per_deadline(world):
    _c, units, _u = world
    item = file(world, deadline=end_of(dt.date(2026, 3, 4)), filed=at(2026, 3, 2, 9))
    file(world, deadline=end_of(dt.date(2026, 3, 6)), filed=at(2026, 3, 2, 9))  # not yet
    round_ = make_round(world, at(2026, 3, 4, 8))
    assert produced(supervision.due_soon, round_) == [
        ("due_soon", f"item:{item.pk}:due_soon:202603042359", units["street_a"].pk,
         ["staff", "staff2"]),
    ]
    message, _people = next(iter(supervision.due_soon(round_)))
    assert message.params == {"code": item.code, "title": "占道经营", "unit": "甲街道",
                              "deadline": "2026-03-04 23:59"}
    assert message.url == item.get_absolute_url()


def test_due_soon_off_and_outside_the_window(world):
    file(world, deadline=end_of(dt.date(2026, 3, 4)), filed=at(2026, 3, 1, 9))
    assert produced(supervision.due_soon, make_round(world, at(2026, 3, 4, 8),
                                                     remind_before_hours=0)) == []
    # The warning moment (03-03 23:59) passed before the last run and nothing changed since.
    assert produced(supervision.due_soon, make_round(world, at(2026, 3, 4, 8),
                                                     since=at(2026, 3, 4, 7))) == []


def test_due_soon_sees_an_item_filed_since_the_last_run(world):
    item = file(world, deadline=end_of(dt.date(2026, 3, 4)), filed=at(2026, 3, 4, 7, 30))
    round_ = make_round(world, at(2026, 3, 4, 8), since=at(2026, 3, 4, 7))
    assert [key for _k, key, _u, _p in produced(supervision.due_soon, round_)] == [
        f"item:{item.pk}:due_soon:202603042359"]


def test_due_today_on_the_first_run_of_the_day_only(world):
    _c, units, _u = world
    item = file(world, deadline=at(2026, 3, 4, 18), filed=at(2026, 3, 2, 9))
    file(world, deadline=at(2026, 3, 5, 18), filed=at(2026, 3, 2, 9))
    assert produced(supervision.due_today, make_round(world, at(2026, 3, 4, 0, 5),
                                                      since=at(2026, 3, 3, 23, 58))) == [
        ("due_today", f"item:{item.pk}:due_today:202603041800", units["street_a"].pk,
         ["staff", "staff2"]),
    ]
    assert produced(supervision.due_today, make_round(world, at(2026, 3, 4, 9),
                                                      since=at(2026, 3, 4, 8, 55))) == []
    assert produced(supervision.due_today, make_round(world, at(2026, 3, 4, 0, 5),
                                                      remind_on_day=False)) == []


def test_overdue_escalates_to_the_parents_coordinators_then_the_leaders(world):
    _c, units, _u = world
    item = file(world, deadline=end_of(dt.date(2026, 3, 2)), filed=at(2026, 2, 26, 9))  # Mon
    # Tuesday's end: one working day overdue.
    round_ = make_round(world, at(2026, 3, 4, 0, 1), since=at(2026, 3, 3, 23, 50))
    assert produced(supervision.overdue_parent, round_) == [
        ("overdue_parent", f"item:{item.pk}:overdue_parent:202603022359",
         units["district_a"].pk, ["dist_coord"]),
    ]
    message, _people = next(iter(supervision.overdue_parent(round_)))
    assert message.params["days"] == 1
    assert produced(supervision.overdue_leader, round_) == []
    # Thursday's end: three.
    round_ = make_round(world, at(2026, 3, 6, 0, 1), since=at(2026, 3, 5, 23, 50))
    assert produced(supervision.overdue_leader, round_) == [
        ("overdue_leader", f"item:{item.pk}:overdue_leader:202603022359", None, ["leader"]),
    ]
    assert produced(supervision.overdue_parent, round_) == []   # its moment was Tuesday's end


def test_a_submitted_fix_waiting_reminds_the_nearest_verifiers(world):
    _c, units, users = world
    item = file(world, deadline=end_of(dt.date(2026, 3, 20)), filed=at(2026, 3, 2, 9))
    photo = factories.store_photo_for(units["street_a"], by=users["staff"])
    workflow.submit(item, by=users["staff"], version=None, photos=[photo], at=at(2026, 3, 2, 15))
    # verify_after 2: Tuesday and Wednesday have ended.
    round_ = make_round(world, at(2026, 3, 5, 0, 1), since=at(2026, 3, 4, 23, 50))
    assert produced(supervision.awaiting_verification, round_) == [
        ("awaiting_verification", f"item:{item.pk}:awaiting_verification:202603021500",
         units["district_a"].pk, ["dist_coord", "dist_insp"]),
    ]
    assert produced(supervision.awaiting_verification,
                    make_round(world, at(2026, 3, 4, 23, 0), since=at(2026, 3, 4, 22))) == []


def test_an_item_sent_back_waits_for_the_coordinators_above(world):
    _c, units, users = world
    item = file(world, "lane_a", deadline=end_of(dt.date(2026, 3, 20)), filed=at(2026, 3, 2, 9))
    workflow.send_back(item, by=users["lane_staff"], version=None, reason="不归我们",
                       at=at(2026, 3, 2, 10, 30))
    # reroute_after 1: Tuesday has ended. Street A has no coordinator: district A's.
    round_ = make_round(world, at(2026, 3, 4, 0, 1), since=at(2026, 3, 3, 23, 50))
    assert produced(supervision.awaiting_rerouting, round_) == [
        ("awaiting_rerouting", f"item:{item.pk}:awaiting_rerouting:202603021030",
         units["district_a"].pk, ["dist_coord"]),
    ]


def test_an_older_send_back_does_not_count_for_the_latest(world):
    _c, units, users = world
    item = file(world, "lane_a", deadline=end_of(dt.date(2026, 3, 20)), filed=at(2026, 3, 2, 9))
    workflow.send_back(item, by=users["lane_staff"], version=None, reason="不归我们",
                       at=at(2026, 3, 2, 10, 30))
    workflow.reroute(item, by=users["dist_coord"], version=None, to_unit=units["street_a"],
                     note="改派", at=at(2026, 3, 3, 9))
    workflow.send_back(item, by=users["staff"], version=None, reason="也不归我们",
                       at=at(2026, 3, 3, 10))
    round_ = make_round(world, at(2026, 3, 4, 0, 1), since=at(2026, 3, 3, 23, 50))
    assert produced(supervision.awaiting_rerouting, round_) == []


def test_a_new_citizen_report_reminds_the_office(world):
    campaign, units, _u = world
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        report = CitizenReport.objects.create(campaign=campaign, tracking_code="R1",
                                              description="井盖缺失", location="甲路")
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        CitizenReport.objects.create(campaign=campaign, tracking_code="R2", description="x",
                                     location="乙路")
    round_ = make_round(world, at(2026, 3, 4, 0, 1), since=at(2026, 3, 3, 23, 50))
    assert produced(supervision.awaiting_triage, round_) == [
        ("awaiting_triage", f"report:{report.pk}:awaiting_triage", units["city"].pk, ["office"]),
    ]


def test_a_return_for_rework_tells_the_unit(world):
    _c, units, users = world
    item = file(world, deadline=end_of(dt.date(2026, 3, 20)), filed=at(2026, 3, 2, 9))
    photo = factories.store_photo_for(units["street_a"], by=users["staff"])
    workflow.submit(item, by=users["staff"], version=None, photos=[photo], at=at(2026, 3, 3, 9))
    workflow.return_for_rework(item, by=users["dist_insp"], version=None, reason="没修好",
                               at=at(2026, 3, 3, 14))
    round_ = make_round(world, at(2026, 3, 3, 14, 5), since=at(2026, 3, 3, 13, 55))
    assert produced(supervision.rework, round_) == [
        ("rework", f"item:{item.pk}:rework:1", units["street_a"].pk, ["staff", "staff2"]),
    ]
    assert produced(supervision.rework, make_round(world, at(2026, 3, 3, 14, 5),
                                                   remind_rework=False)) == []


def test_tasks_silent_and_behind_tell_the_unit_and_the_lead(world):
    _c, units, users = world
    silent = factories.TaskFactory(unit=units["street_a"], lead=users["leader"], title="背街整治",
                                   start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 31))
    reported = factories.TaskFactory(unit=units["street_a"], start=dt.date(2026, 3, 1),
                                     due=dt.date(2026, 3, 31), target=Decimal("10"))
    factories.ProgressFactory(task=reported, quantity=Decimal("5"),
                              reported_at=at(2026, 3, 9, 10))
    factories.TaskFactory(unit=units["street_a"], start=dt.date(2026, 4, 1),
                          due=dt.date(2026, 4, 30))   # not started
    round_ = make_round(world, at(2026, 3, 10, 0, 5), since=at(2026, 3, 9, 23, 55))
    assert produced(supervision.tasks_silent, round_) == [
        ("task_silent", f"task:{silent.pk}:silent:20260301", units["street_a"].pk,
         ["leader", "staff", "staff2"]),
    ]
    assert produced(supervision.tasks_behind, round_) == [
        ("task_behind", f"task:{silent.pk}:behind:2026-W11", units["street_a"].pk,
         ["leader", "staff", "staff2"]),
    ]
    # Later in the day: these day-by-day rules wait for tomorrow's first run.
    later = make_round(world, at(2026, 3, 10, 9), since=at(2026, 3, 10, 8, 55))
    assert produced(supervision.tasks_silent, later) == []
    assert produced(supervision.tasks_behind, later) == []
    assert produced(supervision.tasks_silent, make_round(world, at(2026, 3, 10, 0, 5),
                                                         task_silent_days=0)) == []


# ---- runs: the ladder at frozen times, idempotency, look-back, unknown years --------------------

def run_at(moment):
    with time_machine.travel(moment, tick=False):
        (outcome,) = supervise()
    return {kind: n for kind, n in outcome.counts.items() if n}


def test_the_ladder_over_the_spring_festival_counts_its_make_up_day(world):
    """Due Friday 2026-02-13; Saturday 02-14 is a make-up working day, 02-15…02-23 the holiday:
    one working day overdue at the end of 02-14, three only at the end of 02-25."""
    item = file(world, deadline=end_of(dt.date(2026, 2, 13)), filed=at(2026, 2, 9, 9))
    assert run_at(at(2026, 2, 13, 10)) == {"due_soon": 2, "due_today": 2}
    assert run_at(at(2026, 2, 14, 12)) == {}
    assert run_at(at(2026, 2, 15, 0, 30)) == {"overdue_parent": 1}
    assert run_at(at(2026, 2, 23, 12)) == {}
    assert run_at(at(2026, 2, 25, 12)) == {}
    assert run_at(at(2026, 2, 26, 0, 10)) == {"overdue_leader": 1}
    assert [(n.recipient.username, n.params["days"]) for n in Notification.objects.filter(
        kind__startswith="overdue").order_by("created_at")] == [("dist_coord", 1), ("leader", 3)]
    assert told() == sorted([
        ("staff", "due_soon", f"item:{item.pk}:due_soon:202602132359"),
        ("staff2", "due_soon", f"item:{item.pk}:due_soon:202602132359"),
        ("staff", "due_today", f"item:{item.pk}:due_today:202602132359"),
        ("staff2", "due_today", f"item:{item.pk}:due_today:202602132359"),
        ("dist_coord", "overdue_parent", f"item:{item.pk}:overdue_parent:202602132359"),
        ("leader", "overdue_leader", f"item:{item.pk}:overdue_leader:202602132359"),
    ])


def test_the_ladder_over_national_day_2025(world):
    """Due Tuesday 2025-09-30; 10-01…10-08 off, Saturday 10-11 a make-up day: one working day
    overdue at the end of 10-09, three at the end of 10-11 (a Saturday)."""
    file(world, deadline=end_of(dt.date(2025, 9, 30)), filed=at(2025, 9, 26, 9))
    assert run_at(at(2025, 9, 30, 8)) == {"due_soon": 2, "due_today": 2}
    assert run_at(at(2025, 10, 5, 9)) == {}
    assert run_at(at(2025, 10, 9, 18)) == {}
    assert run_at(at(2025, 10, 10, 0, 1)) == {"overdue_parent": 1}
    assert run_at(at(2025, 10, 11, 20)) == {}
    assert run_at(at(2025, 10, 12, 0, 1)) == {"overdue_leader": 1}


def test_running_twice_tells_nobody_twice(world):
    file(world, deadline=end_of(dt.date(2026, 3, 2)), filed=at(2026, 2, 26, 9))
    moment = at(2026, 3, 4, 0, 5)
    assert run_at(moment) == {"overdue_parent": 1}
    before = told()
    with time_machine.travel(moment, tick=False):
        (again,) = supervise()
    assert again.counts == dict.fromkeys(supervision.KINDS, 0)
    assert told() == before
    assert SupervisionRun.objects.count() == 2


def test_the_next_run_looks_from_the_previous_start_less_the_margin(world):
    campaign = world[0]
    with time_machine.travel(at(2026, 3, 6, 9), tick=False):
        (first,) = supervise()
    with time_machine.travel(at(2026, 3, 6, 9, 5), tick=False):
        (second,) = supervise()
    assert first.since == at(2026, 3, 4, 9)               # the first run looks back 2 days
    assert second.since == at(2026, 3, 6, 8, 55)
    with time_machine.travel(at(2026, 4, 6, 9), tick=False):
        (late,) = supervise()
    assert late.since == at(2026, 4, 4, 9)                # a long pause: 2 days, not a month
    # Runs older than 30 days are dropped.
    assert list(SupervisionRun.objects.filter(campaign=campaign)
                .values_list("started_at", flat=True)) == [at(2026, 4, 6, 9)]


def test_an_item_overdue_before_the_look_back_is_not_escalated_late(world):
    file(world, deadline=end_of(dt.date(2026, 2, 2)), filed=at(2026, 1, 26, 9))
    assert run_at(at(2026, 3, 6, 9)) == {}


def test_every_campaign_is_supervised_also_after_its_period(world):
    """Items still pending after the campaign's period still wait for somebody."""
    finished = factories.CampaignFactory(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    with time_machine.travel(at(2026, 3, 6, 9), tick=False):
        outcomes = supervise()
    assert [outcome.campaign for outcome in outcomes] == [world[0], finished]
    assert finished.supervision_runs.count() == 1


def test_a_year_the_calendar_does_not_know_is_counted_monday_to_friday_and_said(world):
    """2027 is not in the package: Friday 2027-03-05 due, one working day at Monday's end."""
    file(world, deadline=end_of(dt.date(2027, 3, 5)), filed=at(2027, 3, 1, 9))
    assert run_at(at(2027, 3, 8, 12)) == {}
    with time_machine.travel(at(2027, 3, 9, 0, 5), tick=False):
        (outcome,) = supervise()
    assert outcome.counts["overdue_parent"] == 1
    assert outcome.guessed_years == [2027]
    assert SupervisionRun.objects.first().guessed_years == [2027]


def test_a_year_entered_on_the_calendar_page_is_no_guess(world):
    CalendarYear.objects.create(campaign=world[0], year=2027)
    file(world, deadline=end_of(dt.date(2027, 3, 5)), filed=at(2027, 3, 1, 9))
    with time_machine.travel(at(2027, 3, 9, 0, 5), tick=False):
        (outcome,) = supervise()
    assert outcome.guessed_years == []


def test_the_command_prints_counts_and_guessed_years(world, capsys):
    file(world, deadline=end_of(dt.date(2027, 3, 5)), filed=at(2027, 3, 1, 9))
    with time_machine.travel(at(2027, 3, 9, 0, 5), tick=False):
        call_command("supervise")
    out = capsys.readouterr().out
    assert f"{world[0].name} ({world[0].key}): 1 notification(s): due_soon 0, due_today 0, " \
           "overdue_parent 1, overdue_leader 0," in out
    assert "2027 counted Monday–Friday: enter its holidays on the calendar page." in out


def test_the_command_refuses_an_unknown_campaign(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No campaign has the key"):
        call_command("supervise", "--campaign", "nope")


def _queries_of_a_second_run(world, items: int) -> int:
    for n in range(items):
        file(world, ("street_a", "lane_a", "street_b")[n % 3],
             deadline=end_of(dt.date(2026, 3, 2)), filed=at(2026, 2, 26, 9))
        file(world, deadline=end_of(dt.date(2026, 3, 6)), filed=at(2026, 2, 26, 9))
    SupervisionRun.objects.all().delete()
    with time_machine.travel(at(2026, 3, 6, 0, 5), tick=False):
        supervise()
    SupervisionRun.objects.all().delete()   # the same window again, everything already told
    with time_machine.travel(at(2026, 3, 6, 0, 5), tick=False), \
            CaptureQueriesContext(connection) as captured:
        (outcome,) = supervise()
    assert sum(outcome.counts.values()) == 0
    return len(captured)


def test_a_run_costs_the_same_queries_whatever_the_number_of_items(world):
    assert _queries_of_a_second_run(world, 2) == _queries_of_a_second_run(world, 20)



def test_a_run_hands_held_deliveries_to_the_channels(world, settings):
    """A robot message held by the night's quiet hours is queued by the first run after them."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    unit = world[1]["street_a"]
    webhook = UnitWebhook.objects.create(unit=unit, kind="wecom", created_at=at(2026, 3, 5, 22),
                                         url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    notify(Message(key="k", kind="due_today", url="/", unit_id=unit.pk), [], now=at(2026, 3, 5, 22))
    delivery = Delivery.objects.get(webhook=webhook)
    assert (delivery.status, delivery.next_attempt_at) == ("held", at(2026, 3, 6, 8))
    with time_machine.travel(at(2026, 3, 6, 9), tick=False):
        supervise()
    delivery.refresh_from_db()
    assert delivery.queued_at == at(2026, 3, 6, 9)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("now", [at(2026, 2, 14, 12), at(2026, 2, 15, 0, 1), at(2026, 2, 24, 23, 59, 59),
                                 at(2026, 2, 26, 8), at(2025, 10, 12, 0, 1), at(2025, 10, 9, 18)])
def test_the_cutoff_agrees_with_counting_working_days(world, now, n):
    """`start < cutoff(now, n)` exactly when working_days_between(start, now) >= n, for starts
    every three hours over the three weeks before `now`."""
    round_ = make_round(world, now)
    cutoff = round_.cutoff(now, n)
    start = now - dt.timedelta(days=21)
    while start < now:
        counted = round_.calendar.working_days_between(start, now)
        assert (start < cutoff) == (counted >= n), (start, counted, cutoff)
        start += dt.timedelta(hours=3)


# ---- a unit's group robot, the first escalation, steps entered late, a failing campaign -------

def _robot(unit) -> UnitWebhook:
    return UnitWebhook.objects.create(unit=unit, kind="wecom", created_at=at(2026, 3, 1, 9),
                                      url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")


def test_a_units_robot_hears_although_nobody_in_the_app_is_told(world, settings):
    """District B has a group robot and no account: its item's reminders reach the robot, once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    _c, units, _u = world
    robot = _robot(units["district_b"])
    UnitWebhook.objects.create(unit=units["street_b"], kind="wecom", is_active=False,
                               created_at=at(2026, 3, 1, 9), url="https://qyapi.weixin.qq.com/x")
    item = file(world, "district_b", deadline=end_of(dt.date(2026, 3, 4)), filed=at(2026, 3, 2, 9))
    assert run_at(at(2026, 3, 4, 8)) == {}          # no notification: nobody to tell in the app
    posts = sorted(Delivery.objects.values_list("key", "target", "channel"))
    assert posts == [(f"item:{item.pk}:due_soon:202603042359", f"webhook:{robot.pk}", "wecom"),
                     (f"item:{item.pk}:due_today:202603042359", f"webhook:{robot.pk}", "wecom")]
    SupervisionRun.objects.all().delete()           # the same window again: posted once
    assert run_at(at(2026, 3, 4, 8)) == {}
    assert sorted(Delivery.objects.values_list("key", "target", "channel")) == posts
    assert Notification.objects.count() == 0


def test_a_run_with_group_robots_costs_the_same_queries_whatever_the_number_of_items(world,
                                                                                       settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    for name in ("street_a", "street_b", "district_a"):
        _robot(world[1][name])
    assert _queries_of_a_second_run(world, 2) == _queries_of_a_second_run(world, 20)


def test_the_first_escalation_passes_over_a_level_without_coordinators(world):
    """District B has no coordinator: an item of street B goes to the city office's, and the
    city's robot; a root's own coordinators; nobody above at all: the parent's robot alone."""
    campaign, units, users = world
    item = file(world, "street_b", deadline=end_of(dt.date(2026, 3, 2)), filed=at(2026, 2, 26, 9))
    round_ = make_round(world, at(2026, 3, 4, 0, 1), since=at(2026, 3, 3, 23, 50))
    assert produced(supervision.overdue_parent, round_) == [
        ("overdue_parent", f"item:{item.pk}:overdue_parent:202603022359", units["city"].pk,
         ["office"]),
    ]
    people = People(campaign)
    assert people.escalation(units["lane_a"]) == (units["district_a"].pk, [users["dist_coord"]])
    assert people.escalation(units["street_a"]) == (units["district_a"].pk, [users["dist_coord"]])
    assert people.escalation(units["city"]) == (units["city"].pk, [users["office"]])
    users["office"].memberships.all().delete()
    assert People(campaign).escalation(units["street_b"]) == (units["district_b"].pk, [])


def test_items_of_a_visit_entered_late_are_reminded_and_escalated(world):
    """A visit of 02-20 entered on 03-04 at 09:03 files its items as of the visit: the next run
    sees them (recorded since the last run), the one overdue since 03-02 is escalated at once."""
    _c, units, users = world
    assert run_at(at(2026, 3, 4, 9)) == {}
    with time_machine.travel(at(2026, 3, 4, 9, 3), tick=False):
        overdue = workflow.file_rectification(unit=units["street_a"], title="占道经营",
                                              by=users["office"], at=at(2026, 2, 20, 9),
                                              deadline=end_of(dt.date(2026, 3, 2)))
        today = workflow.file_rectification(unit=units["street_a"], title="占道经营",
                                            by=users["office"], at=at(2026, 2, 20, 9),
                                            deadline=end_of(dt.date(2026, 3, 4)))
    assert run_at(at(2026, 3, 4, 9, 5)) == {"due_soon": 2, "due_today": 2, "overdue_parent": 1}
    assert run_at(at(2026, 3, 4, 9, 10)) == {}      # seen again within the margin: told once
    assert sorted(key for _user, _kind, key in told()) == sorted([
        *[f"item:{today.pk}:due_soon:202603042359"] * 2,
        *[f"item:{today.pk}:due_today:202603042359"] * 2,
        f"item:{overdue.pk}:overdue_parent:202603022359",
    ])
    assert run_at(at(2026, 3, 6, 0, 5)) == {"overdue_leader": 1, "overdue_parent": 1}


def test_a_failing_campaign_stops_neither_the_others_nor_the_deliveries(world, settings,
                                                                        monkeypatch, caplog,
                                                                        capsys):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    campaign, units, _u = world
    other = factories.CampaignFactory(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    file(world, deadline=end_of(dt.date(2026, 3, 2)), filed=at(2026, 2, 26, 9))

    def breaks(round_):
        if round_.campaign == campaign:
            raise RuntimeError("boom")
        return iter(())

    monkeypatch.setattr(supervision, "PRODUCERS", [*supervision.PRODUCERS, breaks])
    robot = _robot(units["street_a"])
    notify(Message(key="k", kind="due_today", url="/", unit_id=units["street_a"].pk), [],
           now=at(2026, 3, 5, 22))                  # held by the night's quiet hours
    with time_machine.travel(at(2026, 3, 6, 9), tick=False):
        call_command("supervise")
    out = capsys.readouterr().out
    assert f"{campaign.name} ({campaign.key}): failed: RuntimeError: boom" in out
    assert f"{other.name} ({other.key}): 0 notification(s)" in out
    # The failing round left nothing (rolled back: the next run tries again); the other ran.
    assert list(SupervisionRun.objects.values_list("campaign_id", flat=True)) == [other.pk]
    assert Notification.objects.count() == 0
    assert Delivery.objects.get(webhook=robot).queued_at == at(2026, 3, 6, 9)
    (record,) = [r for r in caplog.records if r.name == "inspections.supervision"]
    assert record.levelname == "ERROR" and record.exc_info[0] is RuntimeError
    with time_machine.travel(at(2026, 3, 6, 9), tick=False):
        outcomes = supervise()
    assert [(o.campaign, o.counts, o.error) for o in outcomes] == [
        (campaign, None, "RuntimeError: boom"), (other, dict.fromkeys(supervision.KINDS, 0), None)]
