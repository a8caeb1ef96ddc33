"""Demo data for the monthly rankings (never on a production install).

Leaves Xinghualing's 12 street command groups with three published months and one draft month:
ties, a street with too few visits to be ranked (小返乡), and one last three months running
(中涧河乡, flagged for accountability). Visits, findings and items that already exist are used
as they are; where a demo month has too few visits, demo points, visits and findings are added
as a visit records them: each finding a criterion that applies to the point (the one rule,
`services.applicable_criteria`), deducting that criterion's points out of the point's points
possible, and filing its item for the point's unit with the criterion's default deadline. The
items are taken through the workflow like any other (no status written here).
Running it twice changes nothing.
"""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from campaign import tree
from campaign.enums import PointKind
from campaign.models import Campaign, Criterion, Photo, Point, Unit, User
from campaign.periods import Month
from inspections import workflow
from inspections.demo import KIND_WORDS, _photo, _staff
from inspections.enums import InspectionMode, SolvingMethod
from inspections.models import Finding, Inspection, Rectification
from inspections.rankings.services import publish_bulletin
from inspections.services import applicable_criteria, default_deadline, points_possible, store_photos

CAMPAIGN_KEY = "taiyuan-2018"
PARENT_KEY = "ty-xhl"
PUBLISHED = [Month(2020, 8), Month(2020, 9), Month(2020, 10)]
DRAFT = Month(2020, 11)
STREETS = ["xhl-jl", "xhl-sq", "xhl-gl", "xhl-xhljd", "xhl-blq", "xhl-ddg", "xhl-zgxc", "xhl-dhf",
           "xhl-jh", "xhl-yjy", "xhl-zjh", "xhl-xf"]
# Mean share of the points possible lost per visit (in %), street by street, month by month.
# Each visit loses that share of its point's points possible, to the nearest whole point, in
# criteria that apply to the point. Equal numbers in a month are ties (their visits and items
# go alike; close ones may tie too, as a visit loses whole points); 中涧河乡 (xhl-zjh) is last
# every month.
DEDUCTIONS = {
    Month(2020, 8): [8, 12, 12, 15, 10, 18, 20, 9, 6, 14, 30, 5],
    Month(2020, 9): [10, 9, 13, 13, 11, 16, 19, 7, 8, 15, 28, 4],
    Month(2020, 10): [7, 11, 10, 14, 12, 12, 17, 9, 5, 16, 26, 6],
    Month(2020, 11): [6, 10, 9, 12, 12, 15, 16, 8, 7, 13, 22, 5],
}
TOO_FEW = "xhl-xf"          # two visits a month: listed, not ranked
VISITS = 3
# Visited on the 5th, 13th and 21st: every default deadline (at most 7 days for the criteria of
# a market, 15 for an old compound's) falls within the month.
POINT_KINDS = [PointKind.BACK_STREET, PointKind.OLD_COMPOUND, PointKind.MARKET]
VISIT_DAYS = [5, 13, 21]


def _user(username: str, fallback: User) -> User:
    return User.objects.filter(username=username).first() or fallback


def _points(campaign: Campaign, street: Unit) -> list[Point]:
    points = []
    for index, kind in enumerate(POINT_KINDS, start=1):
        point, _created = Point.objects.get_or_create(
            campaign=campaign, code=f"DEMO-{street.code}-{index}",
            defaults={"unit": street, "kind": kind,
                      "name": f"{street.name}{KIND_WORDS[kind]}（演示）"},
        )
        points.append(point)
    return points


def _points_lost(share: int, possible: Decimal) -> int:
    """`share` % of the points possible, to the nearest whole point."""
    return int((share * possible / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _failed(criteria: list[Criterion], lost: int, offset: int) -> list[Criterion]:
    """Criteria whose points add up to `lost`: the heavier first, and among equals a turn that
    moves with `offset` (so streets fail different criteria). How many are failed depends only
    on `lost` and the point's kind, so equal shares give equal items."""
    turn = {criterion.pk: (n - offset) % len(criteria) for n, criterion in enumerate(criteria)}
    failed, left = [], Decimal(lost)
    for criterion in sorted(criteria, key=lambda c: (-c.points, turn[c.pk])):
        if criterion.points <= left:
            failed.append(criterion)
            left -= criterion.points
    if left:
        raise ValueError(f"{lost} points cannot be lost in these criteria")
    return failed


def _on_time_share(share: int) -> Decimal:
    return Decimal(1) if share < 10 else Decimal(2) / 3 if share < 16 else Decimal(1) / 3 \
        if share < 25 else Decimal(0)


def _after_photos(street: Unit, staff: User, stored: dict[int, list[Photo]]) -> list[Photo]:
    """One generated after-photo per street, shown by all its demo fixes (storing a photo
    per fix would double the time the demo takes)."""
    if street.pk not in stored:
        upload = _photo(random.Random(street.code), "after", (60, 140, 90))
        stored[street.pk] = store_photos([upload], unit=street, by=staff)
    return stored[street.pk]


def _visit(point: Point, visited_at: dt.datetime, share: int, offset: int, *, by: User,
           mode: str) -> list[Rectification]:
    """A visit as `services.record_visit` stores it (that service refuses visits older than a
    month, so it is not called): the point's points possible, a finding per failed criterion
    deducting the criterion's points, and an item filed from each finding."""
    criteria = applicable_criteria(point)
    possible = points_possible(point)
    failed = _failed(criteria, _points_lost(share, possible), offset)
    visit = Inspection.objects.create(
        campaign=point.campaign, point=point, unit=point.unit, inspector=by, mode=mode,
        visited_at=visited_at, note="演示数据", points_possible=possible,
        points_deducted=sum((criterion.points for criterion in failed), Decimal(0)),
    )
    items = []
    for criterion in failed:
        finding = Finding.objects.create(inspection=visit, criterion=criterion,
                                         points=criterion.points, note="现场发现（演示）")
        items.append(workflow.file_rectification(
            unit=point.unit, title=f"{point.name}：{criterion.name}", description=finding.note,
            by=by, point=point, criterion=criterion, finding=finding, at=visited_at,
            deadline=default_deadline(criterion, visited_at),
        ))
    return items


def _fix(items: list[Rectification], street: Unit, share: int, by: User,
         photos: dict[int, list[Photo]]) -> None:
    """The first share of the items (by deadline) fixed in time, the second of them only after
    a returned fix; the others fixed two days late, or, for the worst streets, the last never.
    Fixed, returned and closed through the workflow, at the moments given."""
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    staff = _staff(street)
    items = sorted(items, key=lambda item: (item.deadline, item.pk))
    on_time = int((len(items) * _on_time_share(share)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def submit(item: Rectification, at: dt.datetime) -> Rectification:
        return workflow.submit(item, by=staff, version=None, note="已整改（演示）", at=at,
                               photos=_after_photos(street, staff, photos))

    for n, item in enumerate(items):
        span = item.deadline - item.created_at
        if n < on_time and n == 1:
            item = submit(item, item.created_at + span * 0.3)
            item = workflow.return_for_rework(item, by=by, version=None, reason="复查仍有问题（演示）",
                                              at=item.created_at + span * 0.5)
            fixed_at = item.created_at + span * 0.8
        elif n < on_time:
            fixed_at = item.deadline - 6 * hour
        elif share < 25 or n < len(items) - 1:
            fixed_at = item.deadline + 2 * day
        else:
            continue
        item = submit(item, fixed_at)
        workflow.close(item, by=by, version=None, method=SolvingMethod.SERVICE,
                       note="复查合格（演示）", at=fixed_at + 20 * hour)


@transaction.atomic
def create_demo_scores() -> list[str]:
    """Fill in the demo months where they have too few visits, then publish the three earlier
    months; the last stays a draft. Returns what it did, one line per month."""
    campaign = Campaign.objects.get(key=CAMPAIGN_KEY)
    zone = ZoneInfo(campaign.time_zone)
    parent = Unit.objects.get(campaign=campaign, key=PARENT_KEY)
    streets = {unit.key: unit for unit in Unit.objects.filter(parent=parent, key__in=STREETS)}
    anyone = User.objects.filter(is_superuser=True).first() or User.objects.create(
        username="demo-system", name="演示数据"
    )
    inspector = _user("inspector", anyone)
    coordinator = _user("district", _user("coordinator", anyone))
    report = []
    photos: dict[int, list[Photo]] = {}
    for month in [*PUBLISHED, DRAFT]:
        start, end = month.bounds(campaign.time_zone)
        visits = Inspection.objects.filter(
            campaign=campaign, visited_at__gte=start, visited_at__lt=end,
        ).filter(tree.subtree_q([parent.path], "unit__path"))
        made_before = visits.filter(point__code__startswith="DEMO-").exists()
        if not made_before and visits.count() < VISITS * len(STREETS):
            for index, key in enumerate(STREETS):
                street = streets[key]
                deduction = DEDUCTIONS[month][index]
                count = 2 if key == TOO_FEW else VISITS
                # Around the mean: −2, 0, +2 %, so each visit reads differently.
                spread = [deduction - 2, deduction, deduction + 2][:count]
                if count == 2:
                    spread = [deduction - 1, deduction + 1]
                items = []
                for n, (point, share) in enumerate(zip(_points(campaign, street), spread,
                                                       strict=False)):
                    visited_at = dt.datetime(month.year, month.month, VISIT_DAYS[n],
                                             9 + index % 6, tzinfo=zone)
                    items += _visit(point, visited_at, share, index + n, by=inspector,
                                    mode=InspectionMode.COVERT if n % 2 else InspectionMode.OPEN)
                _fix(items, street, deduction, coordinator, photos)
        if month in PUBLISHED:
            published_at = dt.datetime.combine(month.next().first_day, dt.time(10), tzinfo=zone)
            bulletin, created = publish_bulletin(
                campaign, month, parent, by=coordinator, now=published_at + dt.timedelta(days=2)
            )
            report.append(f"{parent.name} {month}: {'published' if created else 'already published'}"
                          f" (revision {bulletin.revision})")
        else:
            report.append(f"{parent.name} {month}: draft")
    return report
