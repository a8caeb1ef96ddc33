"""The reads of the rankings: a month computed live, a published revision read back, a unit's
drill-down and trend, the accountability list, the months worth opening.

`compute_month()` reads a month with a fixed number of SQL aggregates (never a query per unit)
and hands plain data to the pure rule in `inspections.rankings.scoring`. A published month is
read back from the rows `services` froze. Nothing here writes.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from campaign import tree
from campaign.models import Campaign, Unit
from campaign.periods import Month
from inspections import live
from inspections.enums import BulletinStatus, EventAction
from inspections.models import (
    Bulletin,
    Finding,
    Inspection,
    MonthlyScore,
    Rectification,
    RectificationEvent,
    RectificationQuerySet,
    ScoringSettingsChange,
)
from inspections.rankings import scoring
from inspections.rankings.scoring import Standing, VisitGroup


@dataclass
class Line:
    """A unit's line in a ranking: the unit and its standing."""

    unit: Unit
    standing: Standing


@dataclass
class MonthResult:
    campaign: Campaign
    month: Month
    parent: Unit
    lines: list[Line]
    inspection_weight: Decimal
    min_sample: int
    bottom_n: int
    streak_k: int
    bulletin: Bulletin | None = None          # None: a draft, computed live
    details: dict[int, dict] = field(default_factory=dict)
    recurrence_deduction: Decimal = Decimal(0)

    @property
    def is_draft(self) -> bool:
        return self.bulletin is None

    @property
    def status(self) -> str:
        return BulletinStatus.DRAFT if self.bulletin is None else self.bulletin.status

    def kinds(self) -> list[str]:
        """Peer kinds present, the most numerous first."""
        counts: dict[str, int] = defaultdict(int)
        for line in self.lines:
            counts[line.unit.kind] += 1
        return sorted(counts, key=lambda kind: -counts[kind])

    def lines_of(self, kind: str) -> list[Line]:
        return [line for line in self.lines if line.unit.kind == kind]


def _peer_of(parent: Unit, path: str) -> int | None:
    """The id of the child of `parent` whose subtree holds `path` (None: the parent itself)."""
    ids = tree.parse(path)
    below = len(tree.parse(parent.path))
    return ids[below] if len(ids) > below else None


def _due_items(
    campaign: Campaign, month: Month, path: str, now: dt.datetime, paths: dict[int, str] | None = None
) -> QuerySet:
    """The items of the month's on-time rates in the subtree at `path` (whose deadline fell in
    the month and has passed), with the time of their standing fix: both rules are
    RectificationQuerySet's (due_between, with_standing_fix)."""
    start, end = month.bounds(campaign.time_zone)
    return (
        Rectification.objects.filter(_in_subtree(campaign, path, paths), campaign=campaign)
        .due_between(start, min(end, now))
        .with_standing_fix()
    )


def _in_subtree(campaign: Campaign, path: str, paths: dict[int, str] | None = None) -> Q:
    """Rows charged to a unit of the subtree at `path` ("" is the whole campaign: no filter, so
    the month's date index does the work). Given the campaign's units (`paths`: id → path), the
    subtree's ids are listed in the query, and a subtree holding every unit is no filter at
    all: PostgreSQL, misjudging how many rows a month holds, joined a subquery of units by
    comparing every unit with every item (4 s for a city's month)."""
    if not path:
        return Q()
    if paths is not None:
        ids = [pk for pk, unit_path in paths.items() if tree.is_within(unit_path, path)]
        return Q() if len(ids) == len(paths) else Q(unit_id__in=ids)
    return Q(unit__in=Unit.objects.filter(tree.subtree_q([path]), campaign=campaign).values("pk"))


def _visits(
    campaign: Campaign, month: Month, path: str, paths: dict[int, str] | None = None
) -> QuerySet:
    start, end = month.bounds(campaign.time_zone)
    return Inspection.objects.counted().filter(
        _in_subtree(campaign, path, paths), campaign=campaign, visited_at__gte=start,
        visited_at__lt=end,
    )


def _published_history(parents: list[Unit], month: Month) -> dict[tuple[int, dt.date], tuple]:
    """(unit, month) → (rank, in bottom N) from the current bulletins of the months before
    `month`: last month's rows (its ranks) and every earlier month in the bottom N (a streak
    runs as long as it runs). One query; the rows are few (N per group and month)."""
    last_month = month.previous().first_day
    rows = MonthlyScore.objects.filter(
        Q(month=last_month) | Q(in_bottom=True, month__lt=last_month),
        parent__in=parents, bulletin__is_current=True,
    ).values_list("unit_id", "month", "rank", "in_bottom")
    return {(unit_id, month): (rank, in_bottom) for unit_id, month, rank, in_bottom in rows}


def _bottom_run(history: dict[tuple[int, dt.date], tuple], unit_id: int, month: Month) -> list[bool]:
    """The unit's months in the bottom N before `month`, newest first, back to the first
    month it was not (or nothing was published)."""
    run = []
    earlier = month.previous()
    while history.get((unit_id, earlier.first_day), (None, False))[1]:
        run.append(True)
        earlier = earlier.previous()
    return run


def _visit_rows(campaign: Campaign, month: Month, path: str, paths: dict[int, str]):
    """(unit id, possible, deducted, count): the month's visits grouped by unit and points.
    Grouped by the unit's id, not its path, so no join to the units (see _in_subtree); the
    ids' paths are looked up in `paths`."""
    return (
        _visits(campaign, month, path, paths)
        .values_list("unit_id", "points_possible", "points_deducted")
        .annotate(count=Count("pk"))
        .order_by()
    )


def _due_rows(campaign: Campaign, month: Month, path: str, now: dt.datetime, paths: dict[int, str]):
    """(unit id, due, on time): the month's items due grouped by unit."""
    return (
        _due_items(campaign, month, path, now, paths)
        .values("unit_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=RectificationQuerySet.ON_TIME))
        .values_list("unit_id", "due", "on_time")
        .order_by()
    )


def _month_totals(
    campaign: Campaign, month: Month, parent: Unit | None, now: dt.datetime, *, fresh: bool = False
) -> tuple[dict[int, list[VisitGroup]], dict[int, list[int]]]:
    """The month's visits (grouped by points) and items due and on time, added up per unit: per
    child of `parent`, each row counted for the child whose subtree holds it; or, with no
    parent, per unit of the whole campaign, each row counted for its unit and every ancestor.
    The part of a month's figures that reads every row: kept in the cache, added up, until the
    data under it changes (inspections.live)."""
    path = parent.path if parent is not None else ""

    def owners(row_path: str) -> list[int]:
        if parent is None:
            return tree.parse(row_path)
        peer = _peer_of(parent, row_path)
        return [] if peer is None else [peer]

    def add_up() -> tuple[dict[int, list[VisitGroup]], dict[int, list[int]]]:
        paths = unit_paths(campaign)
        counts: dict[int, Counter] = defaultdict(Counter)
        for unit_id, possible, deducted, count in _visit_rows(campaign, month, path, paths):
            for owner in owners(paths[unit_id]):
                counts[owner][possible, deducted] += count
        due: dict[int, list[int]] = {}
        for unit_id, due_count, on_time_count in _due_rows(campaign, month, path, now, paths):
            for owner in owners(paths[unit_id]):
                totals = due.setdefault(owner, [0, 0])
                totals[0] += due_count
                totals[1] += on_time_count
        return _visit_groups(counts), due

    scope = "children" if parent is not None else "campaign"
    return live.cached(f"month-totals:{campaign.pk}:{month}:{scope}:{path}", campaign, now, add_up,
                       fresh=fresh)


def month_totals(
    campaign: Campaign, month: Month, parent: Unit | None, now: dt.datetime
) -> tuple[dict[int, list[VisitGroup]], dict[int, list[int]]]:
    """The month's totals per child of `parent` (or, with no parent, per unit of the campaign
    with its subtree's rows): what the rankings read, for the home page (the same cache
    entries)."""
    return _month_totals(campaign, month, parent, now)


def unit_paths(campaign: Campaign) -> dict[int, str]:
    """Every unit's path in the campaign, by id: how per-unit rows are added up by subtree."""
    return dict(Unit.objects.filter(campaign=campaign).values_list("pk", "path"))


def in_subtree(campaign: Campaign, path: str, paths: dict[int, str]) -> Q:
    """`_in_subtree` for other reads of a subtree's rows (the home page's)."""
    return _in_subtree(campaign, path, paths)


def _recurrences(campaign: Campaign, month: Month, path: str, paths: dict[int, str] | None = None):
    """The recurrences (复发) filed in the month in the subtree at `path` that cost points:
    voided ones and those waiting at the dispatcher are no unit's (RectificationQuerySet.SCORED)."""
    start, end = month.bounds(campaign.time_zone)
    return Rectification.objects.filter(
        _in_subtree(campaign, path, paths), campaign=campaign, created_at__gte=start,
        created_at__lt=end, recurrence_of__isnull=False, status__in=RectificationQuerySet.SCORED,
    )


def _recurrence_totals(campaign: Campaign, month: Month, parent: Unit | None) -> dict[int, int]:
    """Recurrences per child of `parent` (no parent: per unit of the campaign, with its subtree's),
    as _month_totals adds rows up. Read only when the campaign deducts points for them (two
    queries), so the default rule costs nothing."""
    if not campaign.recurrence_deduction:
        return {}
    paths = unit_paths(campaign)
    path = parent.path if parent is not None else ""
    rows = (_recurrences(campaign, month, path, paths).values_list("unit_id")
            .annotate(count=Count("pk")).order_by())
    totals: dict[int, int] = defaultdict(int)
    for unit_id, count in rows:
        owners = tree.parse(paths[unit_id]) if parent is None else [_peer_of(parent, paths[unit_id])]
        for owner in owners:
            if owner is not None:
                totals[owner] += count
    return dict(totals)


def _visit_groups(counts: dict[int, Counter]) -> dict[int, list[VisitGroup]]:
    """Each unit's visits as one group per (possible, deducted): the rows come per unit below it,
    and a district's hundred units repeat the same few pairs, so merging them first saves the
    exact arithmetic of thousands of identical groups (the mean is the same)."""
    return {unit_id: [VisitGroup(possible, deducted, count)
                      for (possible, deducted), count in pairs.items()]
            for unit_id, pairs in counts.items()}


def _rank_children(
    campaign: Campaign, month: Month, parent: Unit, peers: list[Unit],
    visits: dict[int, list[VisitGroup]], due: dict[int, list[int]], history: dict,
    recurrences: dict[int, int],
) -> MonthResult:
    """Apply the pure rule to the subtree totals of each peer, kind by kind."""
    last_month = month.previous().first_day
    previous_ranks = {
        peer.pk: history[(peer.pk, last_month)][0]
        for peer in peers if history.get((peer.pk, last_month), (None,))[0] is not None
    }
    bottoms = {peer.pk: _bottom_run(history, peer.pk, month) for peer in peers}
    standings: dict[int, Standing] = {}
    for kind in {peer.kind for peer in peers}:
        group = [
            scoring.standing(peer.pk, visits.get(peer.pk, []), *due.get(peer.pk, (0, 0)),
                             inspection_weight=campaign.inspection_weight,
                             recurrences=recurrences.get(peer.pk, 0),
                             recurrence_deduction=campaign.recurrence_deduction)
            for peer in peers if peer.kind == kind
        ]
        ranked = scoring.rank(group, min_sample=campaign.min_sample, bottom_n=campaign.bottom_n,
                              previous_ranks=previous_ranks)
        for s in scoring.with_streaks(ranked, bottoms, streak_k=campaign.streak_k):
            standings[s.unit_id] = s
    by_id = {peer.pk: peer for peer in peers}
    lines = [Line(by_id[s.unit_id], s) for s in standings.values()]
    lines.sort(key=lambda line: (not line.standing.ranked, line.standing.rank or 0,
                                 line.unit.order, line.unit.pk))
    return MonthResult(
        campaign, month, parent, lines, campaign.inspection_weight, campaign.min_sample,
        campaign.bottom_n, campaign.streak_k, recurrence_deduction=campaign.recurrence_deduction,
    )


def compute_month(
    campaign: Campaign, month: Month, parent: Unit, *, now: dt.datetime | None = None,
    fresh: bool = False,
) -> MonthResult:
    """Score and rank the children of `parent` for a month, live. Six queries whatever the
    number of units: the peers, the data stamp (inspections.live), the units' paths, visits
    grouped by unit and points, items due grouped by unit with the on-time count, and the
    published history (last month's ranks, bottom-N streaks); three while the totals are in the
    cache. `fresh`
    reads the rows again whatever the cache holds (publishing, correcting)."""
    now = now or timezone.now()
    peers = list(Unit.objects.filter(parent=parent).order_by("order", "pk"))
    visits, due = _month_totals(campaign, month, parent, now, fresh=fresh)
    history = _published_history([parent], month)
    return _rank_children(campaign, month, parent, peers, visits, due, history,
                          _recurrence_totals(campaign, month, parent))


def compute_all_groups(
    campaign: Campaign, month: Month, *, now: dt.datetime | None = None, fresh: bool = False
) -> dict[int, MonthResult]:
    """Every peer group of the campaign for a month in one pass, keyed by parent id: the same
    figures as compute_month() for each parent, from six queries in all (the month's rows are
    read once and added up the tree in Python)."""
    now = now or timezone.now()
    units = list(Unit.objects.filter(campaign=campaign).order_by("order", "pk"))
    children: dict[int, list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.parent_id is not None:
            children[unit.parent_id].append(unit)

    # A row counts for its unit and for every ancestor: each of them is a peer in some group.
    visits, due = _month_totals(campaign, month, None, now, fresh=fresh)
    parents = [unit for unit in units if unit.pk in children]
    history = _published_history(parents, month)
    recurrences = _recurrence_totals(campaign, month, None)
    return {
        parent.pk: _rank_children(campaign, month, parent, children[parent.pk], visits, due, history,
                                  recurrences)
        for parent in parents
    }


def _when(value: dt.datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def loss_details(
    campaign: Campaign, month: Month, root: Unit, *, per_child: bool, now: dt.datetime | None = None,
    fresh: bool = False,
) -> dict[int, dict]:
    """Where the points went (谁丢分) in `root`'s subtree: each visit that deducted points with
    its findings, and each item due that month that missed its deadline, oldest first. Keyed by
    the child of `root` they belong to (`per_child`), or all under `root.pk`. Three queries,
    then none but the data stamp while nothing under it changes (inspections.live): a district's
    month lists hundreds of visits and over a thousand items. `fresh` reads them again whatever
    the cache holds (publishing, correcting)."""
    now = now or timezone.now()
    # The recurrences are listed only while they cost points: the deduction is part of the key.
    return live.cached(
        f"loss-details:{campaign.pk}:{month}:{root.path}:{per_child}:{campaign.recurrence_deduction}",
        campaign, now,
        lambda: _loss_details(campaign, month, root, per_child=per_child, now=now),
        fresh=fresh,
    )


def _loss_details(
    campaign: Campaign, month: Month, root: Unit, *, per_child: bool, now: dt.datetime
) -> dict[int, dict]:
    zone = campaign.time_zone
    details: dict[int, dict] = defaultdict(lambda: {"visits": [], "missed": []})

    def key(path: str) -> int | None:
        return _peer_of(root, path) if per_child else root.pk

    inspections = (
        _visits(campaign, month, root.path)
        .filter(points_deducted__gt=0, points_possible__gt=0)
        .select_related("point", "unit")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("criterion").order_by("pk"))
        )
        .order_by("visited_at", "pk")
    )
    for visit in inspections:
        owner = key(visit.unit.path)
        if owner is None:
            continue
        details[owner]["visits"].append({
            "id": visit.pk,
            "visited_at": _when(visit.visited_at, zone),
            "point": str(visit.point),
            "unit": visit.unit.name,
            "possible": str(visit.points_possible),
            "deducted": str(visit.points_deducted),
            "score": str(scoring.visit_score(visit.points_possible, visit.points_deducted)),
            "findings": [
                {"criterion": finding.criterion.name, "points": str(finding.points),
                 "note": finding.note}
                for finding in visit.findings.all()
            ],
        })
    missed = (
        _due_items(campaign, month, root.path, now)
        .filter(RectificationQuerySet.NOT_ON_TIME)
        .annotate(last_submitted=Subquery(
            RectificationEvent.objects.filter(rectification=OuterRef("pk"), action=EventAction.SUBMITTED)
            .order_by("-created_at").values("created_at")[:1]
        ))
        .select_related("unit")
        .order_by("deadline", "pk")
    )
    for item in missed:
        owner = key(item.unit.path)
        if owner is None:
            continue
        details[owner]["missed"].append({
            "id": item.pk,
            "code": item.code,
            "title": item.title,
            "unit": item.unit.name,
            "deadline": _when(item.deadline, zone),
            "submitted": _when(item.standing_fix_at or item.last_submitted, zone),
            "returned": item.standing_fix_at is None and item.last_submitted is not None,
        })
    if campaign.recurrence_deduction:
        recurred = (_recurrences(campaign, month, root.path)
                    .select_related("unit", "recurrence_of").order_by("created_at", "pk"))
        for item in recurred:
            owner = key(item.unit.path)
            if owner is None:
                continue
            details[owner].setdefault("recurrences", []).append({
                "id": item.pk,
                "code": item.code,
                "title": item.title,
                "unit": item.unit.name,
                "filed": _when(item.created_at, zone),
                "earlier_id": item.recurrence_of_id,
                "earlier_code": item.recurrence_of.code,
                "earlier_closed": _when(item.recurrence_of.closed_at, zone),
                "points": str(campaign.recurrence_deduction),
            })
    return dict(details)


def _standing_of(row: MonthlyScore) -> Standing:
    return Standing(
        row.unit_id, row.visits, row.inspection_score, row.due, row.on_time, row.score,
        ranked=row.ranked, rank=row.rank, previous_rank=row.previous_rank,
        recurrences=row.recurrences, in_top=row.in_top,
        in_bottom=row.in_bottom, streak=row.streak, flagged=row.flagged,
    )


def revisions_of(parent: Unit, month: Month) -> list[Bulletin]:
    """Every published revision of the month, newest first."""
    return list(
        Bulletin.objects.filter(parent=parent, month=month.first_day)
        .select_related("published_by").order_by("-revision")
    )


def frozen_month(bulletin: Bulletin, *, with_details: bool = False) -> MonthResult:
    """A published revision, read back from its frozen rows (one query). The drill-down
    details are large; they are read only when asked for."""
    rows = bulletin.scores.select_related("unit").order_by(
        F("rank").asc(nulls_last=True), "unit__order", "unit_id"
    )
    if not with_details:
        rows = rows.defer("details")
    lines = []
    details = {}
    for row in rows:
        lines.append(Line(row.unit, _standing_of(row)))
        if with_details:
            details[row.unit_id] = row.details
    return MonthResult(
        bulletin.campaign, Month.of(bulletin.month), bulletin.parent, lines,
        bulletin.inspection_weight, bulletin.min_sample, bulletin.bottom_n, bulletin.streak_k,
        bulletin=bulletin, details=details, recurrence_deduction=bulletin.recurrence_deduction,
    )


def month_ranking(
    campaign: Campaign, month: Month, parent: Unit, *, revision: int | None = None
) -> tuple[MonthResult, list[Bulletin]]:
    """What the rankings page shows: the chosen published revision (else the current one) from
    its frozen rows, else the live draft. Returns it with the month's revisions."""
    revisions = revisions_of(parent, month)
    chosen = next((b for b in revisions if b.revision == revision), None)
    if chosen is None:
        # No revision asked for, or one that does not exist: the current one.
        chosen = next((b for b in revisions if b.is_current), None)
    if chosen is not None:
        chosen.campaign = campaign
        chosen.parent = parent
        return frozen_month(chosen), revisions
    return compute_month(campaign, month, parent), revisions


def month_details(result: MonthResult) -> dict[int, dict]:
    """Where each unit of the group lost its points (the drill-down of every unit): the rows
    frozen with a published revision (one query), else read live as the draft is."""
    if result.bulletin is not None:
        return dict(result.bulletin.scores.values_list("unit_id", "details"))
    return loss_details(result.campaign, result.month, result.parent, per_child=True)


@dataclass
class DrillDown:
    unit: Unit
    month: Month
    standing: Standing | None
    details: dict
    bulletin: Bulletin | None


def drill_down(
    campaign: Campaign, month: Month, unit: Unit, *, revision: int | None = None
) -> DrillDown:
    """Where a unit's points went in a month: from the frozen rows of the published bulletin
    of its own peer group (revision `revision` when it exists, else the current one) when the
    month is published, else live. `unit.parent` should be loaded."""
    rows = MonthlyScore.objects.filter(unit=unit, month=month.first_day).select_related("bulletin")
    row = None
    if revision is not None:
        row = rows.filter(bulletin__parent_id=unit.parent_id, bulletin__revision=revision).first()
    if row is None:
        row = rows.filter(bulletin__is_current=True).first()
    if row is not None:
        return DrillDown(unit, month, _standing_of(row), row.details, row.bulletin)
    details = loss_details(campaign, month, unit, per_child=False).get(unit.pk, {})
    details = details or {"visits": [], "missed": []}
    if unit.parent is not None:
        # The draft standing within its peer group, so the rank matches the rankings page.
        group = compute_month(campaign, month, unit.parent)
        standing = next(line.standing for line in group.lines if line.unit.pk == unit.pk)
        return DrillDown(unit, month, standing, details, None)
    visit_rows = (
        _visits(campaign, month, unit.path).values_list("points_possible", "points_deducted")
        .annotate(count=Count("pk")).order_by()
    )
    groups = [VisitGroup(possible, deducted, count) for possible, deducted, count in visit_rows]
    counts = _due_items(campaign, month, unit.path, timezone.now()).aggregate(
        due=Count("pk"), on_time=Count("pk", filter=RectificationQuerySet.ON_TIME)
    )
    recurrences = _recurrences(campaign, month, unit.path).count() if campaign.recurrence_deduction else 0
    standing = scoring.standing(unit.pk, groups, counts["due"], counts["on_time"],
                                inspection_weight=campaign.inspection_weight,
                                recurrences=recurrences,
                                recurrence_deduction=campaign.recurrence_deduction)
    return DrillDown(unit, month, standing, details, None)


def trend(unit: Unit) -> list[MonthlyScore]:
    """The unit's published months, oldest first (one query)."""
    return list(
        MonthlyScore.objects.filter(unit=unit, bulletin__is_current=True)
        .select_related("bulletin").defer("details").order_by("month")
    )


def accountability(units: QuerySet[Unit], *, months: int = 12) -> list[tuple[MonthlyScore, list]]:
    """Units flagged in the latest published bulletin of their peer group, each with its last
    `months` published months (two queries)."""
    latest = Bulletin.objects.filter(parent=OuterRef("parent"), is_current=True).order_by("-month")
    flagged = list(
        MonthlyScore.objects.filter(
            unit__in=units, flagged=True, bulletin__is_current=True,
            month=Subquery(latest.values("month")[:1]),
        )
        .select_related("unit", "parent", "bulletin")
        .defer("details")
        .order_by("parent__path", "rank", "unit__order")
    )
    history: dict[int, list[MonthlyScore]] = defaultdict(list)
    if flagged:
        oldest = min(row.month for row in flagged) - dt.timedelta(days=31 * months)
        for row in MonthlyScore.objects.filter(
            unit__in=[row.unit_id for row in flagged], bulletin__is_current=True,
            month__gt=oldest,
        ).defer("details").order_by("-month"):
            if len(history[row.unit_id]) < months:
                history[row.unit_id].append(row)
    return [(row, history[row.unit_id]) for row in flagged]


def _this_month(campaign: Campaign, now: dt.datetime) -> Month:
    return Month.of(now.astimezone(ZoneInfo(campaign.time_zone)).date())


def latest_data_month(campaign: Campaign, parent: Unit, now: dt.datetime | None = None) -> Month | None:
    """The latest month that has ended with a visit in `parent`'s subtree: the (campaign,
    visited_at) index walked back from this month to the first such visit (a subtree visited
    last month stops the walk at once), not every visit scanned for the latest."""
    now = now or timezone.now()
    start = _this_month(campaign, now).bounds(campaign.time_zone)[0]
    paths = unit_paths(campaign)
    visited_at = (
        Inspection.objects.counted().filter(_in_subtree(campaign, parent.path, paths),
                                            campaign=campaign, visited_at__lt=start)
        .order_by("-visited_at").values_list("visited_at", flat=True).first()
    )
    if visited_at is None:
        return None
    return Month.of(visited_at.astimezone(ZoneInfo(campaign.time_zone)).date())


@dataclass(frozen=True)
class MonthOnRecord:
    month: Month
    published: bool


def months_on_record(
    campaign: Campaign, parent: Unit, now: dt.datetime | None = None, *, limit: int = 12
) -> list[MonthOnRecord]:
    """The months worth opening for a peer group, newest first: those with a bulletin and the
    latest ended month with visits in its subtree (three queries)."""
    published = {
        Month.of(day) for day in Bulletin.objects.filter(parent=parent, is_current=True)
        .order_by("-month").values_list("month", flat=True)[:limit]
    }
    months = set(published)
    data = latest_data_month(campaign, parent, now)
    if data is not None:
        months.add(data)
    return [MonthOnRecord(month, month in published) for month in sorted(months, reverse=True)[:limit]]


def default_month(
    campaign: Campaign, parent: Unit, now: dt.datetime | None = None,
    on_record: list[MonthOnRecord] | None = None,
) -> Month:
    """The latest month with a bulletin or with visits, else the last month that has ended
    (within the campaign)."""
    now = now or timezone.now()
    if on_record is None:
        on_record = months_on_record(campaign, parent, now)
    if on_record:
        return on_record[0].month
    return min(_this_month(campaign, now).previous(), Month.of(campaign.end))


def scoring_history(campaign: Campaign) -> QuerySet[ScoringSettingsChange]:
    """Who changed the scoring settings, newest first (page it: it only grows)."""
    return campaign.scoring_changes.select_related("changed_by").order_by("-changed_at", "-pk")


def has_bulletins(parent: Unit) -> bool:
    return Bulletin.objects.filter(parent=parent).exists()


def is_published(parent: Unit, month: Month) -> bool:
    """Whether the month of the group under `parent` has a published bulletin."""
    return Bulletin.objects.filter(parent=parent, month=month.first_day).exists()


@dataclass(frozen=True)
class SettingChanged:
    label: str      # the settings page's label (the campaign field's verbose name)
    frozen: str     # as the bulletin was published with
    now: str        # in force now: what a correction would be computed with


def settings_changed_since(bulletin: Bulletin) -> list[SettingChanged]:
    """The scoring settings now in force that differ from those frozen with `bulletin`."""
    campaign = bulletin.campaign
    return [
        SettingChanged(str(getattr(Campaign._meta.get_field(name), "verbose_name", name)),
                       str(getattr(bulletin, name)), str(getattr(campaign, name)))
        for name in Campaign.SCORING_SETTINGS
        if getattr(bulletin, name) != getattr(campaign, name)
    ]
