import datetime as dt
import itertools

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from campaign.demo import DEMO_STREET, create_demo_accounts
from campaign.enums import TaskStatus
from campaign.models import Category, Photo, Task, Unit
from campaign.notifications.models import Notification
from campaign.periods import Month
from campaign.tasks.services import attach_progress
from inspections import demo
from inspections.enums import EventAction
from inspections.enums import RectificationStatus as S
from inspections.models import (
    CitizenReport,
    Inspection,
    InspectionRound,
    Notice,
    Rectification,
    RectificationEvent,
)

pytestmark = pytest.mark.django_db


def test_demo_builds_every_state_and_refuses_to_run_twice():
    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    with time_machine.travel(dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC), tick=False):
        counts = demo.build()
        statuses = dict(Rectification.objects.values_list("status").annotate(n=Count("pk")))
        overdue = Rectification.objects.overdue(dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC)).count()
    assert counts["points"] == 18 * 12   # 12 streets of Xinghualing, 6 of Jinyuan
    assert counts["rounds"] == 2 * 8       # every ten days from 1 January, per district
    assert set(statuses) == set(S.values)
    assert overdue > 0
    assert Rectification.objects.filter(rework_count__gt=0).exists()
    # Two criteria of each district's standards count their deadlines in working days (工作日).
    assert counts["working_day_criteria"] == 4
    assert Rectification.objects.filter(deadline_count="working", deadline_days__gte=3).exists()
    # Real findings: named criteria in force where the point is, never a placeholder.
    assert not Rectification.objects.filter(title__contains="名称未见于资料").exists()
    assert not Rectification.objects.filter(criterion__placeholder=True).exists()
    assert not Rectification.objects.filter(point__unit__key__startswith="jy-",
                                            criterion__category__standard__key="ty-wbl-fine-mgmt").exists()
    # Citizen reports (随手拍) with a public category and a place: new, filed, not taken up.
    assert counts["citizen_reports"] == 3
    assert sorted(CitizenReport.objects.filter(
        category__public=True, latitude__isnull=False).values_list("status", flat=True)) == [
        "accepted", "new", "rejected"]
    assert CitizenReport.objects.get(status="accepted").item.source == "citizen_report"
    assert not Category.objects.filter(public=True, name__contains="名称未见于资料").exists()
    assert not Category.objects.get(key="wbl-all").public
    # After-photos carry an EXIF time; one item in seven was photographed before it was filed,
    # so some closures were made over a photo warning (the points have no coordinates).
    closes = RectificationEvent.objects.filter(action=EventAction.CLOSED)
    assert 0 < closes.filter(photo_warnings=1).count() < closes.filter(photo_warnings=0).count()
    assert not closes.filter(photo_warnings__gt=1).exists()
    assert not Photo.objects.filter(rectification_events__action=EventAction.SUBMITTED,
                                    taken_at__isnull=True).exists()
    with pytest.raises(demo.DemoError):
        demo.build()


def _years_ahead() -> dt.datetime:
    # Whole seconds never fall on :17 in the demo's own history (its visits are on the minute),
    # so the items `_for_sure` files are told apart by their filing time.
    return (timezone.now() + dt.timedelta(days=3 * 365)).replace(second=17, microsecond=0)


def _new_year() -> dt.datetime:
    # 2 January, 09:30:17 in Shanghai: the demo's three months reach back into last year.
    return dt.datetime(timezone.localdate().year + 2, 1, 2, 1, 30, 17, tzinfo=dt.UTC)


@pytest.mark.parametrize("when", [_years_ahead, _new_year], ids=["three-years-ahead", "2-january"])
def test_seed_demo_is_built_around_the_day_it_runs(settings, when):
    settings.DEBUG = True
    now = when()
    today = timezone.localdate(now)
    first = Month.of(today).previous().previous().first_day
    since = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", verbosity=0)
        tasks = list(Task.objects.filter(Q(code__startswith="DEMO") | Q(parent__code="DEMO-XHL-1")))
        attach_progress(tasks, within=Task.objects.all())

    # Rounds every ten days from the first day of the month two months back, up to today.
    rounds = InspectionRound.objects.filter(name__endswith="旬督查（演示）")
    starts = sorted({round_.starts_on for round_ in rounds})
    assert starts[0] == first and today - dt.timedelta(days=10) < starts[-1] <= today
    assert [b - a for a, b in itertools.pairwise(starts)] == [dt.timedelta(days=10)] * (len(starts) - 1)
    assert rounds.count() == 2 * len(starts)
    # Nothing happens after now; the items of these three months (the rankings demo's 2020
    # months aside) are in every state.
    assert not Inspection.objects.filter(visited_at__gt=now).exists()
    assert not RectificationEvent.objects.filter(created_at__gt=now).exists()
    recent = Rectification.objects.filter(created_at__gte=since)
    assert not recent.filter(created_at__gt=now).exists()
    assert {item.status for item in recent} == set(S.values)
    assert recent.overdue(now).exists() and recent.due_soon(now, now + dt.timedelta(days=3)).exists()
    # No item waits on a deadline further off than the longest default (30 days, from the end of
    # today) and a 7-day extension.
    assert not recent.pending().filter(deadline__gt=now + dt.timedelta(days=39)).exists()

    # The items filed for sure, whatever the day: ten days ago with three days to fix…
    ten_days_ago = recent.filter(created_at=now - dt.timedelta(days=10))
    end_of_day = dt.time(23, 59, 59)
    deadline = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=7), end_of_day))
    assert sorted(item.status for item in ten_days_ago) == sorted([
        S.OPEN, S.ACKNOWLEDGED, S.ACKNOWLEDGED, S.SUBMITTED, S.CLOSED, S.CLOSED, S.REWORK,
        S.RETURNED_TO_DISPATCH, S.VOIDED])
    # …all at the demo street's points, so that its staff (`street`) meet every state on any day…
    street = Unit.objects.get(key=DEMO_STREET)
    assert {item.unit.path.startswith(street.path) for item in ten_days_ago} == {True}
    # …the one left open and the one only acknowledged overdue since a week ago…
    waiting = ten_days_ago.filter(status__in=[S.OPEN, S.ACKNOWLEDGED]).exclude(
        events__action=EventAction.EXTENDED)
    assert [(item.deadline, item in recent.overdue(now)) for item in waiting] == [(deadline, True)] * 2
    # …one of them given seven days more, due at the end of today…
    extended = ten_days_ago.get(events__action=EventAction.EXTENDED)
    assert extended.deadline == deadline + dt.timedelta(days=7)
    # …and one found yesterday, due at the end of tomorrow.
    yesterday = recent.get(created_at=now - dt.timedelta(days=1))
    assert yesterday.status == S.OPEN
    assert yesterday.deadline == timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=1), end_of_day))
    assert {extended, yesterday} <= set(recent.due_soon(now, now + dt.timedelta(days=3)))

    # The problem of an item closed of those ten days ago, found again two hours ago: a recurrence.
    again = recent.get(created_at=now - dt.timedelta(hours=2))
    assert again.recurrence_of in ten_days_ago.filter(status=S.CLOSED)
    assert (again.point, again.criterion, again.source) == (
        again.recurrence_of.point, again.recurrence_of.criterion, "finding")

    # One item filed for the wrong street three days ago, sent back (回退) by that street's staff,
    # re-routed the next day to the street that answers for the point, with a fresh deadline
    # (the criterion's default from then: not yet due), and taken on there…
    rerouted = recent.get(events__action=EventAction.REROUTED)
    sent_back = rerouted.events.get(action=EventAction.SENT_BACK)
    reroute = rerouted.events.get(action=EventAction.REROUTED)
    owner = rerouted.point.unit
    assert (rerouted.status, rerouted.unit, rerouted.created_at) == (
        S.ACKNOWLEDGED, owner, now - dt.timedelta(days=3))
    assert sent_back.created_at == now - dt.timedelta(days=3) + dt.timedelta(hours=3)
    assert sent_back.actor.memberships.get().unit_id == reroute.data["from_unit"] != owner.pk
    assert sent_back.note == f"该点位属{owner.name}管辖，非本单位责任（演示）"
    assert reroute.created_at == now - dt.timedelta(days=2)
    assert reroute.data["to_unit"] == owner.pk
    fresh = timezone.make_aware(dt.datetime.combine(
        today - dt.timedelta(days=2 - rerouted.criterion.deadline_days), end_of_day))
    assert rerouted.deadline == fresh >= timezone.make_aware(dt.datetime.combine(today, end_of_day))
    assert reroute.data["new_deadline"] == fresh.isoformat()
    assert not RectificationEvent.objects.filter(action=EventAction.REROUTED).exclude(
        rectification=rerouted).exists()
    # …and one sent back that still waits at the dispatcher.
    assert recent.filter(status=S.RETURNED_TO_DISPATCH).exclude(
        events__action=EventAction.REROUTED).exists()

    # The demo tasks are dated around today as well.
    assert {task.status for task in tasks} == set(TaskStatus)

    # A supervision notice from the office to 涧河街道 names the two pending items of its subtree
    # due the earliest and its task, reply in 3 natural days; its staff (`street`) are told.
    notice = Notice.objects.get()
    earliest = list(Rectification.objects.pending().filter(unit__path__startswith=notice.unit.path)
                    .order_by("deadline", "pk")[:2])
    assert (notice.unit.key, notice.code, notice.reply_days, notice.reply_count) == (
        "xhl-jh", f"太督〔{today.year}〕1号", 3, "natural")
    assert list(notice.rectifications.order_by("deadline", "pk")) == earliest
    assert [task.unit.key for task in notice.tasks.all()] == ["xhl-jh"]
    assert notice.reply_by == timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=3), end_of_day))
    assert Notification.objects.filter(recipient__username="street", kind="notice_issued").count() == 1



def test_demo_reroutes_only_to_the_point_owner():
    from django.core.management import call_command

    from campaign.demo import create_demo_accounts
    from inspections import demo
    from inspections.enums import EventAction
    from inspections.models import RectificationEvent

    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    with time_machine.travel(dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC), tick=False):
        demo.build()
    for event in RectificationEvent.objects.filter(action=EventAction.REROUTED).select_related(
            "rectification__point"):
        assert event.data["to_unit"] == event.rectification.point.unit_id
