"""Campaign tasks (任务清单) and their progress (进度): the one place that writes them, and the
derived facts the battle map (作战挂图) shows.

Derived, never stored:
- A task's *done* quantity is the sum of the uncorrected progress reports on the task and on
  every task below it (reports go to leaf tasks only, so nothing is counted twice).
- A task's *status* compares done with the share of its time that has passed (`task_status`).
"""

import datetime as dt
import uuid
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import tree
from campaign.audit.recorders import record_update
from campaign.calendar import Period, WorkingCalendar, day_after, describe
from campaign.enums import Role, TaskStatus
from campaign.models import Campaign, Photo, Progress, Task, Unit, User
from campaign.permissions import has_role
from campaign.photos import discard_files, store_photo


def amount(value: Decimal) -> str:
    """162.00 → "162", 90.50 → "90.5": quantities as people write them."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class TaskError(Exception):
    """A task change breaks a rule; the message is for the person who asked for it."""


# Worst first: the order of the leader's page and of the status legend.
STATUS_ORDER = [TaskStatus.OVERDUE, TaskStatus.BEHIND, TaskStatus.ON_TRACK, TaskStatus.DONE]


def task_status(done: Decimal, target: Decimal, start: dt.date, due: dt.date, today: dt.date) -> TaskStatus:
    """The rule, in this order:
    1. done: the done quantity has reached the target (whatever the date);
    2. overdue: the due date has passed (today is after it) and the target is not reached;
    3. behind: done is less than the target times the share of the task's days already over
       (days from the start date up to yesterday, out of all days from start to due, both
       counted); on the start day that share is 0, on the due day it is (days − 1) / days;
    4. on track: otherwise (including before the start date).
    """
    if done >= target:
        return TaskStatus.DONE
    if today > due:
        return TaskStatus.OVERDUE
    days, passed = _days(start, due, today)
    # done / target < passed / days, without division
    if done * days < target * passed:
        return TaskStatus.BEHIND
    return TaskStatus.ON_TRACK


def elapsed_share(start: dt.date, due: dt.date, today: dt.date) -> Decimal:
    """The share (0…1) of the task's days already over, as `task_status` counts it."""
    days, passed = _days(start, due, today)
    return Decimal(passed) / Decimal(days)


def _days(start: dt.date, due: dt.date, today: dt.date) -> tuple[int, int]:
    days = (due - start).days + 1
    passed = min(max((today - start).days, 0), days)
    return days, passed


def attach_progress(tasks: list[Task], *, within: QuerySet[Task], today: dt.date | None = None) -> list[Task]:
    """Set done, status, bar widths and child figures on each task with two aggregate queries,
    whatever the number of tasks (none for no tasks). `within` must hold every task below the
    given ones."""
    if not tasks:
        return tasks
    today = today or timezone.localdate()
    sums = (
        Progress.objects.filter(task__in=within.values("pk"), correction__isnull=True)
        .order_by()
        .values_list("task__path")
        .annotate(total=Sum("quantity"), count=Count("pk"))
    )
    rows = sorted(sums)
    paths = [row[0] for row in rows]
    running = [Decimal(0), *accumulate(row[1] for row in rows)]
    own_counts = {row[0]: row[2] for row in rows}
    children = {
        row["parent_id"]: row
        for row in within.filter(parent__isnull=False).order_by().values("parent_id")
        .annotate(target_sum=Sum("target"), count=Count("pk"))
    }
    for task in tasks:
        low, high = (bisect_left(paths, bound) for bound in tree.subtree_range(task.path))
        task.done = running[high] - running[low]
        task.report_count = own_counts.get(task.path, 0)
        child = children.get(task.pk)
        task.child_count = child["count"] if child else 0
        task.children_target = child["target_sum"] if child else None
        task.children_gap = task.target - child["target_sum"] if child else None
        task.status = task_status(task.done, task.target, task.start, task.due, today)
        task.percent = min(Decimal(100), task.done * 100 / task.target)
        task.time_percent = elapsed_share(task.start, task.due, today) * 100
    return tasks


def effective_done(task: Task) -> Decimal:
    """The done quantity of one leaf task: its uncorrected reports."""
    total = task.reports.filter(correction__isnull=True).aggregate(total=Sum("quantity"))["total"]
    return total or Decimal(0)


def counted_due(campaign: Campaign, start: dt.date, period: Period) -> dt.date:
    """The due date counted from the start date: the last of N natural or working days after
    it (0: the start date, or in working days the first working day from it), on the campaign's
    calendar. UnknownYear when it reaches a year the calendar cannot answer for."""
    return day_after(WorkingCalendar(campaign), start, period)


def due_counted(task: Task) -> str:
    """How the due date was counted, to show beside it ("10 个工作日"); empty when picked."""
    if task.due_days is None or not task.due_count:
        return ""
    return describe(task.due_days, task.due_count)


@transaction.atomic
def create_task(
    *, unit: Unit, title: str, category: str, start: dt.date, due: dt.date, target: Decimal,
    measure: str, by: User | None, lead: User | None = None, description: str = "",
    parent: Task | None = None, code: str = "", key: str = "", source: str = "", note: str = "",
    due_period: Period | None = None,
) -> Task:
    """Create a task for a unit, or a child task when `parent` is given; `due_period`: how the
    due date was counted from the start (None: picked)."""
    problems = task_problems(unit=unit, start=start, due=due, target=target, lead=lead, parent=parent,
                             measure=measure)
    if problems:
        raise TaskError(" ".join(problems))
    code = code.strip()
    if code and Task.objects.filter(campaign=unit.campaign, code=code).exists():
        raise TaskError(_("The code “%(code)s” is already used by another task.") % {"code": code})
    task = Task.objects.create(
        # Until the id is known an empty code holds a value no person or import can give.
        campaign=unit.campaign, unit=unit, parent=parent, path="", code=code or f"~{uuid.uuid4().hex}",
        key=key, title=title, description=description, category=category, start=start, due=due,
        target=target, measure=measure, lead=lead, source=source, note=note, created_by=by,
        due_days=due_period.days if due_period else None,
        due_count=due_period.count if due_period else "",
    )
    task.path = tree.child_path(parent, task.pk)
    if not code:
        placeholder, task.code = task.code, f"{unit.code}-T{task.pk}"
        # The creation was recorded with the placeholder code; the audit is told the real one.
        record_update(task, {"code": (placeholder, task.code)})
    Task.objects.filter(pk=task.pk).update(path=task.path, code=task.code)
    return task


def task_problems(
    *, unit: Unit, start: dt.date, due: dt.date, target: Decimal, lead: User | None, measure: str,
    parent: Task | None, parent_has_reports: bool | None = None,
) -> list[str]:
    """Every rule a new task breaks (empty: none). `parent` may be an unsaved task (a row of an
    import); then say whether it has reports in `parent_has_reports`."""
    problems = []
    if due < start:
        problems.append(_("The due date is before the start date."))
    if target <= 0:
        problems.append(_("The target quantity must be more than zero."))
    if lead is not None and not has_role(lead, unit, Role.LEADER):
        problems.append(_("%(name)s is not a leader in charge of %(unit)s.") % {"name": lead, "unit": unit})
    if parent is None:
        return problems
    if parent_has_reports is None:
        parent_has_reports = parent.reports.exists()
    if parent_has_reports:
        problems.append(_("“%(task)s” already has progress reports; progress is reported on tasks "
                          "that are not split, so it cannot get child tasks now.") % {"task": parent})
    if unit.pk == parent.unit.pk or not tree.is_within(unit.path, parent.unit.path):
        problems.append(_("A child task goes to a unit below %(unit)s; %(child)s is not below it.")
                        % {"unit": parent.unit, "child": unit})
    if measure != parent.measure:
        problems.append(_("A child task counts in the same measure as its parent (%(measure)s).")
                        % {"measure": parent.measure})
    if start < parent.start or due > parent.due:
        problems.append(_("A child task must fit in its parent's dates (%(start)s to %(due)s).")
                        % {"start": parent.start, "due": parent.due})
    return problems


@dataclass
class ChildSpec:
    unit: Unit
    target: Decimal
    title: str = ""
    due: dt.date | None = None
    lead: User | None = None


def split_gap(task: Task, targets: list[Decimal]) -> Decimal:
    """What the children (existing and new) still lack (+) or exceed (−) against the target."""
    existing = task.children.aggregate(total=Sum("target"))["total"] or Decimal(0)
    return task.target - existing - sum(targets, Decimal(0))


class SplitError(TaskError):
    """Some child rows break a rule: `rows` maps the row's index (from 0) to its problems."""

    def __init__(self, rows: dict[int, list[str]]):
        self.rows = rows
        super().__init__(" ".join(
            _("Child task %(number)s: %(problems)s") % {"number": index + 1, "problems": " ".join(problems)}
            for index, problems in sorted(rows.items())
        ))


@transaction.atomic
def split_task(task: Task, children: list[ChildSpec], *, by: User) -> list[Task]:
    """Split a task into child tasks for units below, one per unit; the children's targets must
    add up to the parent's target exactly. Every bad row is reported at once (SplitError)."""
    task = Task.objects.select_for_update().select_related("unit", "campaign").get(pk=task.pk)
    if not children:
        raise TaskError(_("Give at least one child task."))
    rows: dict[int, list[str]] = {}
    has_reports = task.reports.exists()
    taken = set(task.children.values_list("unit_id", flat=True))
    for index, child in enumerate(children):
        problems = task_problems(
            unit=child.unit, start=task.start, due=child.due or task.due, target=child.target,
            lead=child.lead, measure=task.measure, parent=task, parent_has_reports=has_reports,
        )
        if child.unit.pk in taken:
            problems.append(_("%(unit)s already has a child task of this task.") % {"unit": child.unit})
        taken.add(child.unit.pk)
        if problems:
            rows[index] = problems
    if rows:
        raise SplitError(rows)
    gap = split_gap(task, [child.target for child in children])
    if gap:
        raise TaskError(
            _("The child tasks add up to %(total)s %(measure)s but the task's target is %(target)s "
              "%(measure)s: %(gap)s %(measure)s %(direction)s.") % {
                "total": amount(task.target - gap), "target": amount(task.target),
                "measure": task.measure, "gap": amount(abs(gap)),
                "direction": _("missing") if gap > 0 else _("too many"),
            }
        )
    return [
        create_task(
            unit=child.unit, parent=task, title=child.title or f"{task.title}（{child.unit.name}）",
            category=task.category, start=task.start, due=child.due or task.due, target=child.target,
            measure=task.measure, lead=child.lead, description=task.description, by=by,
        )
        for child in children
    ]


def report_progress(
    task: Task, *, quantity: Decimal, reported_on: dt.date, by: User, note: str = "", uploads=(),
    over_target_reason: str = "", corrects: Progress | None = None,
) -> Progress:
    """Record a progress report (or a correction of an earlier one) with its photos. Either
    the report, its photos and their files are all stored, or nothing is."""
    stored: list[Photo] = []
    try:
        with transaction.atomic():
            task = Task.objects.select_for_update().select_related("unit").get(pk=task.pk)
            _check_report(task, quantity=quantity, reported_on=reported_on, note=note,
                          over_target_reason=over_target_reason, corrects=corrects)
            for upload in uploads:
                stored.append(store_photo(upload, unit=task.unit, by=by))
            report = Progress.objects.create(
                task=task, quantity=quantity, reported_on=reported_on, note=note,
                over_target_reason=over_target_reason.strip(), corrects=corrects, reported_by=by,
                reported_at=timezone.now(),
            )
            report.photos.set(stored)
    except BaseException:
        for photo in stored:
            discard_files(photo)
        raise
    return report


def _check_report(task, *, quantity, reported_on, note, over_target_reason, corrects) -> None:
    if task.children.exists():
        raise TaskError(_("This task is split: report progress on its child tasks."))
    if quantity < 0:
        raise TaskError(_("The quantity done cannot be negative."))
    if reported_on > timezone.localdate():
        raise TaskError(_("The date of the work cannot be in the future."))
    if reported_on < task.start:
        raise TaskError(_("The date of the work is before the task's start (%(start)s).")
                        % {"start": task.start})
    if corrects is not None:
        if corrects.task_id != task.pk:
            raise TaskError(_("That report belongs to another task."))
        if Progress.objects.filter(corrects=corrects).exists():
            raise TaskError(_("That report has already been corrected; correct the latest report instead."))
        if not note.strip():
            raise TaskError(_("Say in the note why the earlier report is corrected."))
    done = effective_done(task) - (corrects.quantity if corrects else 0) + quantity
    if done > task.target and not over_target_reason.strip():
        raise TaskError(
            _("With this report %(done)s %(measure)s would be done, more than the target of "
              "%(target)s %(measure)s. Give the reason for going past the target.")
            % {"done": amount(done), "target": amount(task.target), "measure": task.measure}
        )
