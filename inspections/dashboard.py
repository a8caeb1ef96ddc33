"""The home page's figures: each person's work, block by block for the roles they hold.

Every figure is read through the lists' own scope and rules (visible_* queries, overdue_q,
due_soon_q, the rankings' month totals, the tasks' attach_progress), so a number on the home page
and the list it links to count the same rows. Counts that could be huge are capped like the
item list's (COUNT_CAP + 1 read means "more than COUNT_CAP"). The number of queries depends on
the roles a person holds and the units they hold them at, never on the number of items.
"""

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from campaign import tree
from campaign.enums import Role, TaskStatus
from campaign.models import Unit, User
from campaign.paging import COUNT_CAP, capped_count
from campaign.periods import Month
from campaign.permissions import role_paths
from campaign.tasks.permissions import visible_tasks
from campaign.tasks.services import attach_progress
from campaign.tree import subtree_q
from inspections import live
from inspections.enums import CitizenReportStatus, NoticeStatus
from inspections.enums import RectificationStatus as S
from inspections.filters import DUE_SOON_DAYS
from inspections.models import (
    Bulletin,
    MonthlyScore,
    Rectification,
    due_soon_q,
    overdue_q,
)
from inspections.notices.permissions import visible_notices
from inspections.permissions import (
    INSPECTING,
    own_visits,
    reports_awaiting_triage,
    revisits_awaiting,
    visible_rectifications,
    visible_rounds,
)
from inspections.rankings import queries as rankings
from inspections.rankings.charts import PHONE_WIDTH, BarChart, Chart, bar_chart, hbar_chart, line_chart
from inspections.rounding import round_half_up

UNITS_SHOWN = 5           # units per role block: a person holds a role at a few units
WAITING_SHOWN = 10        # items waiting for verification, oldest first
ROUNDS_SHOWN = 10
TREND_MONTHS = 6
WEEKS = 12
CATEGORIES_SHOWN = 10
UNITS_CHARTED = 12


@dataclass
class Figure:
    """One number on the home page and the list that shows exactly its rows."""

    label: str
    count: int
    url: str

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def shown(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.count)


def items_url(**params) -> str:
    # Reversed once per prefix: a city's home page links some fifty numbers to the list.
    return _list_path(get_script_prefix()) + "?" + urlencode(params)


@functools.lru_cache(maxsize=8)
def _list_path(_prefix: str) -> str:
    return reverse("inspections:rectification-list")


def tasks_url(**params) -> str:
    return reverse("task-board") + "?" + urlencode(params)


def _outer_paths(user: User, roles: tuple[str, ...]) -> list[str]:
    """The units where the user holds one of `roles`, outermost only: a role held at a district
    and at one of its streets is one block. Sorted, so the blocks shown are the same each time."""
    paths = sorted(set(role_paths(user, roles)))
    return [path for path in paths if not any(path != o and path.startswith(o) for o in paths)]


def _units(user: User, roles: tuple[str, ...]) -> list[Unit]:
    outer = _outer_paths(user, roles)
    if not outer:
        return []
    return list(Unit.objects.filter(path__in=outer[:UNITS_SHOWN]).select_related("campaign", "parent")
                .order_by("path"))


def units_not_shown(user: User) -> int:
    """How many units of the person's roles have no block on the home page (UNITS_SHOWN per
    role): the page says so, and links every unit at its top."""
    return sum(max(0, len(_outer_paths(user, roles)) - UNITS_SHOWN)
               for roles in ((Role.UNIT_STAFF,), INSPECTING, (Role.COORDINATOR,), (Role.LEADER,)))


def _items_of(user: User, unit: Unit):
    return visible_rectifications(user).filter(
        unit__in=Unit.objects.filter(subtree_q([unit.path])).values("pk"))


def task_counts(user: User, unit: Unit, today: dt.date) -> dict[str, int]:
    """The tasks of the unit's subtree by derived status (the battle map's rule)."""
    within = visible_tasks(user).filter(subtree_q([unit.path], "unit__path"))
    # Every task of the subtree, as the battle map reads them: its counts are the board's.
    tasks = list(within.order_by("path"))
    attach_progress(tasks, within=within, today=today)
    counts = {status: 0 for status in TaskStatus.values}
    for task in tasks:
        counts[task.status] += 1
    return counts


def _task_figures(user, unit, today, statuses, labels) -> list[Figure]:
    counts = task_counts(user, unit, today)
    return [Figure(labels[f"task_{status}"], counts[status], tasks_url(unit=unit.pk, status=status))
            for status in statuses]


# ---- unit staff ---------------------------------------------------------------------------

@dataclass
class StaffBlock:
    unit: Unit
    items: list[Figure]
    notices: Figure
    tasks: list[Figure]


def staff_blocks(user: User, now: dt.datetime, labels: dict[str, str]) -> list[StaffBlock]:
    blocks = []
    today = timezone.localdate(now)
    for unit in _units(user, (Role.UNIT_STAFF,)):
        items = _items_of(user, unit)
        soon = now + dt.timedelta(days=DUE_SOON_DAYS)
        figures = items.aggregate(
            due_soon=Count("pk", filter=due_soon_q(now, soon)),
            overdue=Count("pk", filter=overdue_q(now)),
            rework=Count("pk", filter=Q(status=S.REWORK)),
            received=Count("pk", filter=Q(status=S.OPEN)),
        )
        notices = visible_notices(user).filter(unit=unit, status=NoticeStatus.OPEN).count()
        blocks.append(StaffBlock(
            unit,
            [
                Figure(labels["due_soon"], figures["due_soon"], items_url(unit=unit.pk, due_soon="on")),
                Figure(labels["overdue"], figures["overdue"], items_url(unit=unit.pk, overdue="on")),
                Figure(labels["rework"], figures["rework"], items_url(unit=unit.pk, status=S.REWORK)),
                Figure(labels["received"], figures["received"], items_url(unit=unit.pk, status=S.OPEN)),
            ],
            Figure(labels["notices"], notices,
                   reverse("inspections:notice-list") + "?" + urlencode(
                       {"status": NoticeStatus.OPEN, "unit": unit.pk})),
            _task_figures(user, unit, today,
                          [TaskStatus.OVERDUE, TaskStatus.BEHIND, TaskStatus.ON_TRACK], labels),
        ))
    return blocks


# ---- inspector ----------------------------------------------------------------------------

@dataclass
class Waiting:
    item: object
    days: int        # natural days since the fix was submitted


@dataclass
class InspectorBlock:
    rounds: list
    waiting: list[Waiting]
    waiting_count: Figure
    visits_this_month: Figure


def inspector_block(user: User, now: dt.datetime, labels: dict[str, str]) -> InspectorBlock | None:
    paths = role_paths(user, (Role.INSPECTOR,))
    if not paths:
        return None
    today = timezone.localdate(now)
    rounds = list(
        visible_rounds(user, today=today)
        .filter(subtree_q(paths, "unit__path"), starts_on__lte=today, ends_on__gte=today)
        .with_progress()
        .select_related("unit").order_by("ends_on", "pk")[:ROUNDS_SHOWN]
    )
    units = _units(user, INSPECTING)
    # The figure is exactly what its link lists: one unit's subtree (the list's unit filter), or,
    # for someone who inspects at several units, every submitted item they see.
    submitted = visible_rectifications(user).filter(status=S.SUBMITTED)
    if len(units) == 1:
        submitted = submitted.filter(subtree_q([units[0].path], "unit__path"))
    waiting = [Waiting(item, (today - timezone.localdate(item.submitted_at)).days)
               for item in submitted.select_related("unit").order_by("submitted_at", "pk")
               [:WAITING_SHOWN]]
    params: dict[str, object] = {"status": S.SUBMITTED}
    if len(units) == 1:
        params["unit"] = units[0].pk
    month = Month.of(today)
    start, end = month.bounds(str(timezone.get_current_timezone()))
    visits = Figure(labels["visits"], own_visits(user, start, end).count(),
                    reverse("inspections:my-visits") + "?" + urlencode({"month": str(month)}))
    return InspectorBlock(rounds, waiting,
                          Figure(labels["waiting"], capped_count(submitted), items_url(**params)),
                          visits)


# ---- what coordinators and leaders share: a subtree's overdue items and charts ---------

def _campaign_paths(unit: Unit) -> dict[int, str]:
    return rankings.unit_paths(unit.campaign)


def _subtree_items(unit: Unit, paths: dict[int, str]):
    """The items of the unit's subtree, said the rankings' way (no filter at all for a tree's
    only root; else the subtree's unit ids): the planner then walks the campaign's indexes."""
    return Rectification.objects.filter(rankings.in_subtree(unit.campaign, unit.path, paths),
                                        campaign_id=unit.campaign_id)


@dataclass
class Overdue:
    total: int
    by_unit: dict[int, int]          # unit id → overdue items charged to that unit itself


def _overdue(unit: Unit, paths: dict[int, str], now: dt.datetime) -> Overdue:
    """The subtree's overdue items grouped by unit: one grouped count over the overdue range."""
    rows = dict(_subtree_items(unit, paths).filter(overdue_q(now)).order_by()
                .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n"))
    return Overdue(sum(rows.values()), rows)


@dataclass
class SubtreeFigures:
    """What the home page reads of every row of a subtree, as plain data."""

    overdue: Overdue
    weeks: list[tuple[dt.date, int, int]]
    categories: list[tuple[int | None, str, int]]
    months: list[tuple[Month, int, int]]      # oldest first: (month, due, on time)
    child_due: dict[int, list[int]]           # child id → [due, on time] this month


def subtree_figures(unit: Unit, paths: dict[int, str], now: dt.datetime) -> SubtreeFigures:
    """The aggregates of a subtree's rows, kept in the cache as one small entry (one stamp
    query, one cache read) while nothing under it changes (inspections.live). The on-time
    figures are the rankings' own month totals (the same rule, the same cache entries)."""
    campaign = unit.campaign

    def compute() -> SubtreeFigures:
        month = Month.of(now.astimezone(ZoneInfo(campaign.time_zone)).date())
        child_due = rankings.month_totals(campaign, month, unit, now)[1]
        months = []
        for _n in range(TREND_MONTHS):
            due = rankings.month_totals(campaign, month, None, now)[1]
            months.append((month, *due.get(unit.pk, (0, 0))))
            month = month.previous()
        return SubtreeFigures(_overdue(unit, paths, now), _weeks(unit, paths, now),
                              _categories(unit, paths, now), months[::-1], child_due)

    # The day is part of the key: the weeks and months shown move with it.
    today = now.astimezone(ZoneInfo(campaign.time_zone)).date()
    return live.cached(f"home:{unit.pk}:{unit.path}:{today}", campaign, now, compute)


def _per_child(unit: Unit, children: list[Unit], overdue: Overdue,
               paths: dict[int, str]) -> dict[int, int]:
    """The overdue counts added up per child of `unit` (the child is the id one level below
    the unit in a row's path; rows of the unit itself belong to no child). Read by slicing the
    fixed-width path (campaign.tree), not by parsing it: a city has a thousand units."""
    per_child = {child.pk: 0 for child in children}
    child_path = {child.path: child.pk for child in children}
    end = len(unit.path) + tree.WIDTH + len(tree.SEPARATOR)
    for unit_id, count in overdue.by_unit.items():
        child = child_path.get(paths[unit_id][:end])
        if child is not None:
            per_child[child] += count
    return per_child


@dataclass
class Week:
    start: dt.date
    filed: Figure
    closed: Figure


@dataclass
class MonthRate:
    month: Month
    due: int
    on_time: int
    url: str
    rate: Decimal | None = None

    def __post_init__(self) -> None:
        self.rate = _rate(self.due, self.on_time)


def _rate(due: int, on_time: int) -> Decimal | None:
    """The on-time rate as a percentage to 0.1 (the unit figures' rounding); None when nothing
    fell due."""
    if not due:
        return None
    return round_half_up(Fraction(100 * on_time, due), 1)


@dataclass
class Charts:
    weeks: list[Week]
    weekly: BarChart
    months: list[MonthRate]
    monthly: Chart | None
    categories: list[Figure]
    by_category: BarChart
    units: list[Figure]
    by_unit: BarChart


def _weeks(unit: Unit, paths: dict[int, str], now: dt.datetime) -> list[tuple[dt.date, int, int]]:
    """(Monday, filed, closed) for the last WEEKS weeks, this one last: two grouped counts by
    local day, added up by week in Python (portable, and at most 7 × WEEKS rows each)."""
    zone = ZoneInfo(unit.campaign.time_zone)
    today = now.astimezone(zone).date()
    first = today - dt.timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    items = _subtree_items(unit, paths)
    filed = (items.filter(created_at__gte=start).order_by()
             .values_list(TruncDate("created_at", tzinfo=zone)).annotate(n=Count("pk")))
    closed = (items.filter(status=S.CLOSED, closed_at__gte=start).order_by()
              .values_list(TruncDate("closed_at", tzinfo=zone)).annotate(n=Count("pk")))
    weeks = {first + dt.timedelta(days=7 * n): [0, 0] for n in range(WEEKS)}
    for column, rows in ((0, filed), (1, closed)):
        for day, count in rows:
            weeks[day - dt.timedelta(days=day.weekday())][column] += count
    return [(monday, filed_count, closed_count) for monday, (filed_count, closed_count) in weeks.items()]


def _categories(unit: Unit, paths: dict[int, str], now: dt.datetime) -> list[tuple[int | None, str, int]]:
    """(category id, name, overdue items) of the subtree, most first."""
    rows = (_subtree_items(unit, paths).filter(overdue_q(now)).order_by()
            .values_list("criterion__category_id", "criterion__category__name")
            .annotate(n=Count("pk")))
    return sorted(rows, key=lambda row: (-row[2], row[1] or ""))


def unit_charts(unit: Unit, children: list[Unit], per_child: dict[int, int],
                figures: SubtreeFigures, labels: dict[str, str]) -> Charts:
    """The charts of a subtree: items filed and closed per week, the on-time rate per month,
    overdue items by category and by unit below. Every figure is also a table row."""
    weekly_rows = figures.weeks
    weeks = [Week(monday,
                  Figure(labels["filed"], filed, items_url(unit=unit.pk, filed_week=monday)),
                  Figure(labels["closed"], closed, items_url(unit=unit.pk, closed_week=monday)))
             for monday, filed, closed in weekly_rows]
    months = [MonthRate(month, due_count, on_time, reverse("inspections:ranking-list")
                        + "?" + urlencode({"parent": unit.pk, "month": str(month)}))
              for month, due_count, on_time in figures.months]
    rated: list[tuple[str, Decimal | int | None]] = [(str(row.month)[2:], row.rate)
                                                      for row in months]
    monthly = (line_chart(rated, low=0, high=100, width=PHONE_WIDTH, height=180)
               if any(rate is not None for _label, rate in rated) else None)
    category_rows = figures.categories
    categories = [Figure(name or labels["no_category"], count,
                         items_url(unit=unit.pk, overdue="on", category=pk) if pk
                         else items_url(unit=unit.pk, overdue="on", no_category="on"))
                  for pk, name, count in category_rows[:CATEGORIES_SHOWN]]
    units = sorted((Figure(child.name, per_child[child.pk], items_url(unit=child.pk, overdue="on"))
                    for child in children), key=lambda figure: -figure.count)[:UNITS_CHARTED]
    return Charts(
        weeks, bar_chart([f"{week.start:%m-%d}" for week in weeks],
                         [[week.filed.count for week in weeks], [week.closed.count for week in weeks]]),
        months, monthly,
        categories, hbar_chart([(figure.label, figure.count) for figure in categories]),
        units, hbar_chart([(figure.label, figure.count) for figure in units]),
    )


# ---- coordinator --------------------------------------------------------------------------

@dataclass
class ChildRow:
    unit: Unit
    overdue: Figure
    due: int
    on_time: int
    rate: Decimal | None = None

    def __post_init__(self) -> None:
        self.rate = _rate(self.due, self.on_time)


@dataclass
class CoordinatorBlock:
    unit: Unit
    sent_back: Figure
    overdue: Figure
    children: list[ChildRow]
    month: Month
    ranking_url: str
    last_month: Month
    last_published: bool
    tasks: list[Figure]
    charts: Charts


def coordinator_blocks(user: User, now: dt.datetime, labels: dict[str, str]) -> list[CoordinatorBlock]:
    blocks = []
    today = timezone.localdate(now)
    for unit in _units(user, (Role.COORDINATOR,)):
        campaign = unit.campaign
        month = Month.of(now.astimezone(ZoneInfo(campaign.time_zone)).date())
        paths = _campaign_paths(unit)
        children = list(Unit.objects.filter(parent=unit).order_by("order", "pk"))
        figures = subtree_figures(unit, paths, now)
        overdue, due = figures.overdue, figures.child_due
        per_child = _per_child(unit, children, overdue, paths)
        rows = [ChildRow(child, Figure(labels["overdue"], per_child[child.pk],
                                       items_url(unit=child.pk, overdue="on")),
                         *due.get(child.pk, (0, 0)))
                for child in children]
        # Worst first: most overdue, then the lowest on-time rate (none due: after any rate).
        rows.sort(key=lambda row: (-row.overdue.count, row.rate if row.rate is not None else 101,
                                   row.unit.order, row.unit.pk))
        last = month.previous()
        published = Bulletin.objects.filter(parent=unit, month=last.first_day,
                                            is_current=True).exists()
        sent_back = _subtree_items(unit, paths).filter(status=S.RETURNED_TO_DISPATCH)
        blocks.append(CoordinatorBlock(
            unit,
            Figure(labels["sent_back"], capped_count(sent_back),
                   items_url(unit=unit.pk, status=S.RETURNED_TO_DISPATCH)),
            Figure(labels["overdue"], overdue.total, items_url(unit=unit.pk, overdue="on")),
            rows, month,
            reverse("inspections:ranking-list") + "?" + urlencode({"parent": unit.pk,
                                                                   "month": str(month)}),
            last, published,
            _task_figures(user, unit, today, [TaskStatus.OVERDUE, TaskStatus.BEHIND], labels),
            unit_charts(unit, children, per_child, figures, labels),
        ))
    return blocks


def reports_to_triage(user: User, label: str) -> Figure | None:
    count = reports_awaiting_triage(user)   # the nav's own count, read once
    if count is None:
        return None
    return Figure(label, count,
                  reverse("inspections:report-list") + "?" + urlencode(
                      {"status": CitizenReportStatus.NEW}))


def revisits_to_review(user: User, label: str) -> Figure | None:
    """Closed items a reporter was not satisfied with, waiting to be looked at again (one COUNT,
    for whoever triages reports; None and no query for anyone else)."""
    count = revisits_awaiting(user)
    if count is None:
        return None
    return Figure(label, count, reverse("inspections:revisit-list"))


# ---- leader -------------------------------------------------------------------------------

@dataclass
class LeaderRow:
    unit: Unit
    month: Month
    score: Decimal | None
    rank: int | None
    ranked: bool
    group_size: int
    trend: list[MonthlyScore]
    overdue: Figure
    tasks: list[Figure]
    flagged: bool
    charts: Charts
    chart: Chart | None = None


def leader_rows(user: User, now: dt.datetime, labels: dict[str, str]) -> list[LeaderRow]:
    result = []
    today = timezone.localdate(now)
    for unit in _units(user, (Role.LEADER,)):
        campaign = unit.campaign
        month = Month.of(now.astimezone(ZoneInfo(campaign.time_zone)).date())
        score = rank = None
        ranked, group_size = False, 0
        if unit.parent is not None:
            draft = rankings.compute_month(campaign, month, unit.parent, now=now)
            line = next((line for line in draft.lines if line.unit.pk == unit.pk), None)
            if line is not None:
                standing = line.standing
                score, rank, ranked = standing.score, standing.rank, standing.ranked
                group_size = sum(1 for other in draft.lines_of(unit.kind) if other.standing.ranked)
        trend = rankings.trend(unit)[-TREND_MONTHS:]
        paths = _campaign_paths(unit)
        children = list(Unit.objects.filter(parent=unit).order_by("order", "pk"))
        figures = subtree_figures(unit, paths, now)
        overdue = figures.overdue
        row = LeaderRow(
            unit, month, score, rank, ranked, group_size, trend,
            Figure(labels["overdue"], overdue.total, items_url(unit=unit.pk, overdue="on")),
            _task_figures(user, unit, today, [TaskStatus.OVERDUE, TaskStatus.BEHIND], labels),
            bool(trend and trend[-1].flagged),
            unit_charts(unit, children, _per_child(unit, children, overdue, paths), figures,
                        labels),
        )
        if trend:
            row.chart = line_chart([(str(r.month)[:7], r.score) for r in trend], low=0, high=100,
                                   width=PHONE_WIDTH, height=160)
        result.append(row)
    return result
