"""督办: what is due to be said, to whom, now. `manage.py supervise` runs `supervise()` every few
minutes; each producer below yields the reminders of one rule for one campaign, and
campaign.notifications.services.notify records each once per recipient (its key), so running
again, or twice at once, never tells anybody twice.

A run looks only at what changed since the previous run (`Round.since`): a producer selects the
items whose trigger moment (deadline less the warning, the moment an item becomes N working days
overdue, …) fell in (since, now], as a range on an index. "N working days after" is turned into a
cutoff moment once per round (`Round.cutoff`), so the database compares a column with a constant
instead of counting days per item. Items whose trigger passed before `since` were handled by that
earlier run (their keys exist), but for items changed since (`Round.changed_items`: a step
recorded since then, e.g. a visit entered late filing items as of the visit): their reminders
and overdue steps already due are taken again, the keys keeping the ones told silent. The first
run of a campaign (or the first after a pause) looks back LOOK_BACK at most. A message for a unit
with a group robot reaches `notify` also when nobody in the app is to be told (`tell`).
"""

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import batched
from typing import Any

from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from campaign.calendar import END_OF_DAY, MAX_DAYS, WorkingCalendar
from campaign.enums import Role, TaskStatus
from campaign.models import Campaign, Progress, Task, Unit, User
from campaign.notifications import jobs
from campaign.notifications.enums import NotificationKind as K
from campaign.notifications.models import Delivery, Notification, UnitWebhook
from campaign.notifications.services import Message, notify
from campaign.people import People
from campaign.tasks.services import attach_progress
from inspections.enums import CitizenReportStatus, EventAction, NoticeStatus
from inspections.enums import RectificationStatus as S
from inspections.models import (
    CitizenReport,
    Notice,
    Rectification,
    RectificationEvent,
    SupervisionRules,
    SupervisionRun,
    due_soon_q,
    overdue_q,
)

# The first run of a campaign, or the first after a pause, looks back this far: a reminder whose
# moment passed longer ago is not sent late (a "due soon" two days late says nothing; an item
# overdue since then is on every overdue list). It also bounds the work of such a run: on the
# bench city (bench/supervise.py) two days are about 2,500 notifications, a week about 6,800.
LOOK_BACK = dt.timedelta(days=2)
# A run also looks again at the last minutes before the previous run started: an item committed
# while that run was reading is not missed (the keys keep the second look silent).
MARGIN = dt.timedelta(minutes=5)
# Runs are kept this long (the rules page shows the last ones): a run every 5 minutes leaves
# about 8,600 rows a campaign, not a hundred thousand a year.
KEEP_RUNS = dt.timedelta(days=30)
# Keys looked up at once before notifying (one query per batch).
BATCH = 500

logger = logging.getLogger(__name__)


@dataclass
class Round:
    """One campaign's share of one run: its rules, calendar and people, read once."""

    campaign: Campaign
    rules: SupervisionRules
    calendar: WorkingCalendar  # strict=False: an unknown year is counted Monday–Friday, reported
    people: People
    now: dt.datetime
    # Events before this moment were looked at by an earlier run (see supervise()).
    since: dt.datetime
    _days: dict[dt.date, int] = field(default_factory=dict, repr=False)
    _tasks: list[Task] | None = field(default=None, repr=False)

    @cached_property
    def units(self) -> dict[int, Unit]:
        """The campaign's units by id (a thousand rows for a city), for names and paths."""
        return {unit.pk: unit for unit in Unit.objects.filter(campaign=self.campaign)
                .only("id", "campaign_id", "parent_id", "path", "name")}

    @cached_property
    def robot_units(self) -> frozenset[int]:
        """The ids of the campaign's units that have an active group robot (one query a round):
        their messages reach the robots even when nobody in the app is to be told."""
        return frozenset(UnitWebhook.objects.filter(unit__campaign=self.campaign, is_active=True)
                         .values_list("unit_id", flat=True))

    @cached_property
    def roots(self) -> list[Unit]:
        """The campaign office's units: the roots of the tree."""
        return sorted((unit for unit in self.units.values() if unit.parent_id is None),
                      key=lambda unit: unit.pk)

    @cached_property
    def today(self) -> dt.date:
        return self.calendar.local_day(self.now)

    @cached_property
    def start_of_today(self) -> dt.datetime:
        return dt.datetime.combine(self.today, dt.time(0), tzinfo=self.calendar.zone)

    @property
    def first_of_day(self) -> bool:
        """The first run of the campaign's local day: day-by-day rules (tasks, due today) run."""
        return self.since < self.start_of_today

    def cutoff(self, at: dt.datetime, n: int) -> dt.datetime:
        """Whatever started before this moment has been waiting at least n working days at `at`
        (calendar.working_days_between(start, at) >= n); n = 0: `at` itself. Walks back over
        the calendar from `at`'s last finished day to the n-th working day and returns the start
        of that day: a start on an earlier day leaves n working days ended after it."""
        if n == 0:
            return at
        local = timezone.localtime(at, self.calendar.zone)
        day = local.date()
        if local.time() < END_OF_DAY:
            day -= dt.timedelta(days=1)
        counted = 0
        for _step in range(MAX_DAYS * 2):
            if self.calendar.is_working_day(day):
                counted += 1
                if counted == n:
                    break
            day -= dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.calendar.zone)

    def window(self, n: int) -> tuple[dt.datetime, dt.datetime]:
        """[from, to): what started in it reached n working days of waiting in (since, now]."""
        return self.cutoff(self.since, n), self.cutoff(self.now, n)

    def working_days_since(self, start: dt.datetime) -> int:
        """calendar.working_days_between(start, now), counted once per day of `start`."""
        day = self.calendar.local_day(start)
        if day not in self._days:
            self._days[day] = self.calendar.working_days_between(start, self.now)
        return self._days[day]

    def local(self, moment: dt.datetime) -> str:
        """A moment as messages give it: "2026-12-01 23:59" in the campaign's time zone."""
        return timezone.localtime(moment, self.calendar.zone).strftime("%Y-%m-%d %H:%M")

    def changed_items(self) -> QuerySet[RectificationEvent, Any]:
        """Items given a unit or a deadline since the last run (filed, re-routed, extended,
        returned): their reminders may be due although the moment passed. By the moment the step
        was recorded: a visit entered days late files its items as of the visit (`created_at`),
        which an earlier run could not have seen."""
        return RectificationEvent.objects.filter(
            recorded_at__gt=self.since, recorded_at__lte=self.now,
            action__in=[EventAction.FILED, EventAction.REROUTED, EventAction.EXTENDED,
                        EventAction.RETURNED],
        ).values("rectification_id")


# A producer yields (message, recipients) for one rule; the list is the whole of supervision.
Producer = Callable[[Round], Iterable[tuple[Message, list[User]]]]
PRODUCERS: list[Producer] = []


def producer(function: Producer) -> Producer:
    PRODUCERS.append(function)
    return function


# ---- the items' reminders ---------------------------------------------------------------------

def _items(round_: Round) -> QuerySet[Rectification]:
    return Rectification.objects.filter(campaign=round_.campaign).only(
        "id", "code", "title", "unit_id", "status", "deadline", "submitted_at", "rework_count",
    ).order_by()


def _item_message(round_: Round, item: Rectification, kind: str, key: str, *,
                  unit_id: int | None, days: int | None = None) -> Message:
    params: dict[str, Any] = {"code": item.code, "title": item.title, "unit": round_.units[item.unit_id].name,
              "deadline": round_.local(item.deadline)}
    if days is not None:
        params["days"] = days
    return Message(key=key, kind=kind, url=item.get_absolute_url(), params=params,
                   campaign_id=round_.campaign.pk, unit_id=unit_id)


def _stamp(round_: Round, moment: dt.datetime) -> str:
    return timezone.localtime(moment, round_.calendar.zone).strftime("%Y%m%d%H%M")


@producer
def due_soon(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Pending items due within `remind_before_hours`: the unit's staff, once per deadline.
    Their moment (deadline less the hours) fell since the last run, or the item got its unit
    or deadline since then."""
    hours = round_.rules.remind_before_hours
    if not hours:
        return
    warning = dt.timedelta(hours=hours)
    items = _items(round_).filter(due_soon_q(round_.now, round_.now + warning)).filter(
        Q(deadline__gte=round_.since + warning) | Q(pk__in=round_.changed_items()))
    for item in items:
        unit = round_.units[item.unit_id]
        key = f"item:{item.pk}:due_soon:{_stamp(round_, item.deadline)}"
        yield (_item_message(round_, item, K.DUE_SOON, key, unit_id=unit.pk),
               round_.people.staff(unit))


@producer
def due_today(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Pending items due later today (local date): the unit's staff, on the day's first run,
    and during the day for items that got their unit or deadline since the last run."""
    if not round_.rules.remind_on_day:
        return
    end = dt.datetime.combine(round_.today, END_OF_DAY, tzinfo=round_.calendar.zone)
    items = _items(round_).filter(due_soon_q(round_.now, end + dt.timedelta(seconds=1)))
    if not round_.first_of_day:
        items = items.filter(pk__in=round_.changed_items())
    for item in items:
        unit = round_.units[item.unit_id]
        key = f"item:{item.pk}:due_today:{_stamp(round_, item.deadline)}"
        yield (_item_message(round_, item, K.DUE_TODAY, key, unit_id=unit.pk),
               round_.people.staff(unit))


def _overdue(round_: Round, after: int) -> list[Rectification]:
    """Pending items that became `after` working days overdue since the last run, and items
    changed since then that are already that far overdue (a visit entered late files items
    whose deadline may have passed): the keys keep an item told before silent. Two queries, each
    an index range: as one OR, PostgreSQL reads every overdue item of the campaign."""
    start, end = round_.window(after)
    overdue = _items(round_).filter(overdue_q(round_.now), deadline__lt=end)
    crossed = list(overdue.filter(deadline__gte=start))
    seen = {item.pk for item in crossed}
    changed = overdue.filter(pk__in=round_.changed_items())
    return crossed + [item for item in changed if item.pk not in seen]


@producer
def overdue_parent(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Overdue ≥ `escalate_parent_after` working days: the coordinators of the nearest level
    above the unit that has any, and that level's group robots (People.escalation)."""
    for item in _overdue(round_, round_.rules.escalate_parent_after):
        level, coordinators = round_.people.escalation(round_.units[item.unit_id])
        key = f"item:{item.pk}:overdue_parent:{_stamp(round_, item.deadline)}"
        days = round_.working_days_since(item.deadline)
        yield (_item_message(round_, item, K.OVERDUE_PARENT, key, unit_id=level, days=days),
               coordinators)


@producer
def overdue_leader(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Overdue ≥ `escalate_leaders_after` working days: the leaders in charge (包联), in person
    only (no group robot)."""
    for item in _overdue(round_, round_.rules.escalate_leaders_after):
        unit = round_.units[item.unit_id]
        key = f"item:{item.pk}:overdue_leader:{_stamp(round_, item.deadline)}"
        days = round_.working_days_since(item.deadline)
        yield (_item_message(round_, item, K.OVERDUE_LEADER, key, unit_id=None, days=days),
               round_.people.leaders_in_charge(unit))


@producer
def awaiting_verification(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """A fix submitted `verify_after` working days ago and not verified: the inspectors and
    coordinators of the nearest level at or above the unit that has any (who may verify)."""
    start, end = round_.window(round_.rules.verify_after)
    items = _items(round_).filter(status=S.SUBMITTED, submitted_at__gte=start,
                                  submitted_at__lt=end)
    for item in items:
        assert item.submitted_at is not None
        level, recipients = round_.people.nearest(round_.units[item.unit_id],
                                                  (Role.INSPECTOR, Role.COORDINATOR))
        key = f"item:{item.pk}:awaiting_verification:{_stamp(round_, item.submitted_at)}"
        days = round_.working_days_since(item.submitted_at)
        yield (_item_message(round_, item, K.AWAITING_VERIFICATION, key, unit_id=level,
                             days=days), recipients)


@producer
def awaiting_rerouting(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Sent back to the dispatcher (回退) `reroute_after` working days ago and still waiting: the
    coordinators of the nearest level above the unit that sent it back (who may re-route)."""
    start, end = round_.window(round_.rules.reroute_after)
    # The send-backs of the window first (the events' time index), then their items.
    sent = RectificationEvent.objects.filter(
        action=EventAction.SENT_BACK, created_at__gte=start, created_at__lt=end,
    ).order_by().values_list("rectification_id", flat=True)
    latest = RectificationEvent.objects.filter(
        rectification=OuterRef("pk"), action__in=[EventAction.SENT_BACK, EventAction.REROUTED],
    ).order_by("-created_at", "-pk").values("created_at")[:1]
    items = _items(round_).filter(status=S.RETURNED_TO_DISPATCH, pk__in=list(sent)).annotate(
        sent_back_at=Subquery(latest))
    for item in items:
        # Only the latest send-back counts: an earlier one, since re-routed, does not.
        sent_back_at = item.sent_back_at
        if not start <= sent_back_at < end:
            continue
        level, recipients = round_.people.nearest(round_.units[item.unit_id],
                                                  (Role.COORDINATOR,), above=True)
        key = f"item:{item.pk}:awaiting_rerouting:{_stamp(round_, sent_back_at)}"
        days = round_.working_days_since(sent_back_at)
        yield (_item_message(round_, item, K.AWAITING_REROUTING, key, unit_id=level,
                             days=days), recipients)


@producer
def rework(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Returned for rework since the last run and still waiting for the fix: the unit's staff,
    once per rework."""
    if not round_.rules.remind_rework:
        return
    returned = RectificationEvent.objects.filter(
        action=EventAction.RETURNED, created_at__gt=round_.since, created_at__lte=round_.now,
    ).values("rectification_id")
    for item in _items(round_).filter(status=S.REWORK, pk__in=returned):
        unit = round_.units[item.unit_id]
        key = f"item:{item.pk}:rework:{item.rework_count}"
        yield (_item_message(round_, item, K.REWORK, key, unit_id=unit.pk),
               round_.people.staff(unit))


# ---- citizen reports ----------------------------------------------------------------------------

@producer
def awaiting_triage(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """A citizen report new for `triage_after` working days: the coordinators of the campaign's
    roots, who alone triage reports (inspections.permissions.can_triage_reports)."""
    start, end = round_.window(round_.rules.triage_after)
    reports = CitizenReport.objects.filter(
        campaign=round_.campaign, status=CitizenReportStatus.NEW, created_at__gte=start,
        created_at__lt=end,
    ).only("id", "tracking_code", "description", "created_at").order_by()
    office: dict[int, User] = {}
    for office_unit in round_.roots:
        for user in round_.people.at(office_unit.pk, Role.COORDINATOR):
            office.setdefault(user.pk, user)
    root = round_.roots[0] if round_.roots else None
    for report in reports:
        message = Message(
            key=f"report:{report.pk}:awaiting_triage", kind=K.AWAITING_TRIAGE,
            url=reverse("inspections:report-detail", args=[report.pk]),
            params={"code": report.tracking_code, "title": report.description[:60],
                    "unit": root.name if root else "",
                    "days": round_.working_days_since(report.created_at)},
            campaign_id=round_.campaign.pk, unit_id=root.pk if root else None,
        )
        yield message, list(office.values())


# ---- the supervision notices (督办单) ------------------------------------------------------

def _notice_stamp(moment: dt.datetime) -> str:
    """The reply date in a key (UTC): a new reply date is a new reminder."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


@producer
def notice_reminders(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """Open notices whose reply is due within `remind_before_hours` (the addressee's staff and
    coordinators), or late by `escalate_parent_after` working days (the coordinators of the
    addressee's parent) and `escalate_leaders_after` (the leaders in charge). One range of the
    (campaign, status, reply_by) index."""
    rules, now, people = round_.rules, round_.now, round_.people
    until = now + dt.timedelta(hours=rules.remind_before_hours)
    notices = (
        Notice.objects.filter(campaign=round_.campaign, status=NoticeStatus.OPEN, reply_by__lt=until)
        .select_related("unit").order_by("reply_by", "pk")
    )
    for notice in notices:
        unit = notice.unit
        if notice.reply_by >= now:
            if rules.remind_before_hours:
                # With nobody to tell in the app, the unit's group robots still hear (tell()).
                yield (_notice_message(round_, notice, K.NOTICE_REPLY_DUE, "reply_due", unit.pk),
                       [*people.staff(unit), *people.at(unit.pk, Role.COORDINATOR)])
            continue
        days = round_.calendar.working_days_between(notice.reply_by, now)
        if days >= rules.escalate_parent_after:
            level, coordinators = people.escalation(unit)
            yield (_notice_message(round_, notice, K.NOTICE_LATE_PARENT, "late_parent", level,
                                   days=days), coordinators)
        if days >= rules.escalate_leaders_after:
            yield (_notice_message(round_, notice, K.NOTICE_LATE_LEADER, "late_leader", None,
                                   days=days), people.leaders_in_charge(unit))


def _notice_message(round_: Round, notice: Notice, kind: str, name: str, unit_id: int | None,
             **extra) -> Message:
    deadline = timezone.localtime(notice.reply_by, round_.calendar.zone).strftime("%Y-%m-%d %H:%M")
    return Message(
        key=f"notice:{notice.pk}:{name}:{_notice_stamp(notice.reply_by)}", kind=kind,
        url=notice.get_absolute_url(),
        params={"notice": notice.code, "unit": notice.unit.name, "title": notice.subject,
                "deadline": deadline, **extra},
        campaign_id=round_.campaign.pk, unit_id=unit_id,
    )


# ---- tasks --------------------------------------------------------------------------------------

def _task_recipients(round_: Round, task: Task) -> list[User]:
    people = {user.pk: user for user in round_.people.staff(round_.units[task.unit_id])}
    if task.lead is not None and task.lead.is_active:
        people.setdefault(task.lead.pk, task.lead)
    return list(people.values())


def _task_message(round_: Round, task: Task, kind: str, key: str, **params) -> Message:
    return Message(
        key=key, kind=kind, url=task.get_absolute_url(),
        params={"task": task.title, "title": task.title,
                "unit": round_.units[task.unit_id].name,
                "deadline": task.due.isoformat(), **params},
        campaign_id=round_.campaign.pk, unit_id=task.unit_id,
    )


def _running_tasks(round_: Round) -> list[Task]:
    """Tasks under way today (started, not past the campaign's day), with their derived
    progress and status; read on the day's first run only: their rules count in days."""
    within = Task.objects.filter(campaign=round_.campaign)
    tasks = list(within.filter(start__lte=round_.today).select_related("lead").order_by("pk"))
    return attach_progress(tasks, within=within, today=round_.today)


@producer
def tasks_silent(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """A task (reported on directly: one with no child tasks) not done and with no progress
    report for `task_silent_days` days: the task's unit staff and its lead leader, once per
    silence (the key names the last report)."""
    days = round_.rules.task_silent_days
    if not days or not round_.first_of_day:
        return
    last_report = dict(
        Progress.objects.filter(task__campaign=round_.campaign).order_by().values("task_id")
        .annotate(last=Max("reported_at")).values_list("task_id", "last")
    )
    for task in _running_tasks_cached(round_):
        if task.child_count or task.status == TaskStatus.DONE:
            continue
        last = last_report.get(task.pk)
        since = round_.calendar.local_day(last) if last else task.start
        silent = (round_.today - since).days
        if silent < days:
            continue
        key = f"task:{task.pk}:silent:{since:%Y%m%d}"
        yield (_task_message(round_, task, K.TASK_SILENT, key, days=silent),
               _task_recipients(round_, task))


@producer
def tasks_behind(round_: Round) -> Iterator[tuple[Message, list[User]]]:
    """A task behind schedule or past its due date and not done (campaign.tasks.services
    .task_status): the task's unit staff and its lead leader, at most once a week."""
    if not round_.rules.remind_behind_tasks or not round_.first_of_day:
        return
    year, week, _weekday = round_.today.isocalendar()
    for task in _running_tasks_cached(round_):
        if task.status not in (TaskStatus.BEHIND, TaskStatus.OVERDUE):
            continue
        key = f"task:{task.pk}:behind:{year}-W{week:02d}"
        yield _task_message(round_, task, K.TASK_BEHIND, key), _task_recipients(round_, task)


def _running_tasks_cached(round_: Round) -> list[Task]:
    """Both task rules read the tasks once per round."""
    if round_._tasks is None:
        round_._tasks = _running_tasks(round_)
    return round_._tasks


# ---- the run ------------------------------------------------------------------------------------

# The kinds a run counts, in the order the command prints them.
KINDS: list[str] = [
    K.DUE_SOON.value, K.DUE_TODAY.value, K.OVERDUE_PARENT.value, K.OVERDUE_LEADER.value,
    K.AWAITING_VERIFICATION.value, K.AWAITING_REROUTING.value, K.AWAITING_TRIAGE.value,
    K.REWORK.value, K.TASK_SILENT.value, K.TASK_BEHIND.value,
    K.NOTICE_REPLY_DUE.value, K.NOTICE_LATE_PARENT.value, K.NOTICE_LATE_LEADER.value,
]


def tell(pairs: Iterable[tuple[Message, list[User]]], *, now: dt.datetime,
         robot_units: Collection[int] = ()) -> Counter[str]:
    """Notify each message's recipients who lack it; returns the notifications made per kind.
    A message for a unit in `robot_units` (Round.robot_units) is handed to notify also with
    nobody to tell in the app, until its robots have it: they hear what the unit's people
    would. The keys people (and robots) already have are looked up a batch at a time, so a run
    that finds nothing new costs a query or two per BATCH messages, not one per message."""
    made: Counter[str] = Counter()
    for chunk in batched(pairs, BATCH):
        have = set(
            Notification.objects.filter(
                key__in={message.key for message, _people in chunk},
                recipient_id__in={user.pk for _message, people in chunk for user in people},
            ).order_by().values_list("key", "recipient_id")
        )
        robot_keys = {message.key for message, _people in chunk
                      if message.unit_id is not None and message.unit_id in robot_units}
        posted = set(
            Delivery.objects.filter(key__in=robot_keys, webhook__isnull=False)
            .order_by().values_list("key", flat=True)
        ) if robot_keys else set()
        for message, people in chunk:
            missing = [user for user in people if (message.key, user.pk) not in have]
            if missing or (message.key in robot_keys and message.key not in posted):
                made[message.kind] += len(notify(message, missing, now=now))
    return made


@dataclass
class Outcome:
    """What a run did for one campaign: the notifications made per kind (None: skipped, another
    run held the campaign, or the round failed: `error`) and the years it counted Monday to
    Friday."""

    campaign: Campaign
    counts: dict[str, int] | None
    guessed_years: list[int]
    since: dt.datetime | None = None
    error: str | None = None


def supervised_campaigns() -> list[Campaign]:
    """Every campaign: an item still pending after its campaign's period still waits for
    somebody (and the look-back bounds what a long-quiet campaign's first run reads)."""
    return list(Campaign.objects.order_by("pk"))


def supervise_campaign(campaign: Campaign, *, now: dt.datetime,
                       producers: Iterable[Producer] | None = None) -> Outcome:
    """One campaign's round, in one transaction holding the campaign's rules row: a second run
    at the same time skips the campaign (PostgreSQL: SKIP LOCKED; SQLite takes its write lock at
    the start of the transaction, so the second run waits and then finds little to do)."""
    SupervisionRules.objects.get_or_create(campaign=campaign)
    with transaction.atomic():
        rules = (SupervisionRules.objects.select_for_update(skip_locked=True)
                 .filter(campaign=campaign).first())
        if rules is None:
            return Outcome(campaign, None, [])
        last = SupervisionRun.objects.filter(campaign=campaign).order_by("-started_at").first()
        since = now - LOOK_BACK if last is None else last.started_at - MARGIN
        since = min(max(since, now - LOOK_BACK), now)
        round_ = Round(campaign=campaign, rules=rules,
                       calendar=WorkingCalendar(campaign, strict=False), people=People(campaign),
                       now=now, since=since)
        counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        for produce in PRODUCERS if producers is None else producers:
            for kind, n in tell(produce(round_), now=now,
                                robot_units=round_.robot_units).items():
                counts[str(kind)] = counts.get(str(kind), 0) + n
        guessed = sorted(round_.calendar.guessed_years)
        SupervisionRun.objects.filter(campaign=campaign, started_at__lt=now - KEEP_RUNS).delete()
        SupervisionRun.objects.create(campaign=campaign, started_at=now,
                                      finished_at=timezone.now(), counts=counts,
                                      guessed_years=guessed)
    return Outcome(campaign, counts, guessed, since)


def supervise(*, now: dt.datetime | None = None,
              campaigns: Iterable[Campaign] | None = None) -> list[Outcome]:
    """Every campaign's round, then the channels' due deliveries. A round that fails is logged
    and reported in its outcome (its transaction rolled back: the next run tries again); the
    other campaigns and the deliveries go on."""
    now = now or timezone.now()
    chosen = supervised_campaigns() if campaigns is None else list(campaigns)
    outcomes = []
    for campaign in chosen:
        try:
            outcomes.append(supervise_campaign(campaign, now=now))
        except Exception as error:
            logger.exception("Supervision of campaign %s (%s) failed", campaign.key, campaign.pk)
            outcomes.append(Outcome(campaign, None, [], error=f"{type(error).__name__}: {error}"))
    deliver_due(now)
    return outcomes


def deliver_due(now: dt.datetime) -> int:
    """Hand what is due to the channels: held messages whose quiet hours are over, retries, and
    tasks a stopped worker lost. Returns how many were queued."""
    return jobs.deliver_due(now)


def save_rules(rules: SupervisionRules, *, by: User, now: dt.datetime | None = None) -> None:
    """Store the campaign's rules as a coordinator of its office changed them."""
    rules.updated_by = by
    rules.updated_at = now or timezone.now()
    rules.save()
