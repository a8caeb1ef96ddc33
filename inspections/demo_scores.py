"""Demo data for the monthly rankings (never on a production install).

Leaves Xinghualing's 12 street command groups with three published months and one draft month:
ties, a street with too few visits to be ranked (小返乡), and one last three months running
(中涧河乡, flagged for accountability). Visits, findings and items that already exist are used
as they are; where a demo month has too few visits, numbered demo points, visits, findings and
items are added, the items taken through the workflow like any other (no status written here).
Running it twice changes nothing.
"""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from campaign import tree
from campaign.models import Campaign, Criterion, Photo, Point, Unit, User
from campaign.periods import Month
from inspections import workflow
from inspections.demo import _photo, _staff
from inspections.enums import InspectionMode, SolvingMethod
from inspections.models import Finding, Inspection, Rectification
from inspections.rankings.services import publish_bulletin
from inspections.services import store_photos

CAMPAIGN_KEY = "taiyuan-2018"
PARENT_KEY = "ty-xhl"
PUBLISHED = [Month(2020, 8), Month(2020, 9), Month(2020, 10)]
DRAFT = Month(2020, 11)
STREETS = ["xhl-jl", "xhl-sq", "xhl-gl", "xhl-xhljd", "xhl-blq", "xhl-ddg", "xhl-zgxc", "xhl-dhf",
           "xhl-jh", "xhl-yjy", "xhl-zjh", "xhl-xf"]
# Mean points lost per visit (of 100), street by street, month by month. Equal numbers in a
# month are ties (their items go alike too); 中涧河乡 (xhl-zjh) is last every month.
DEDUCTIONS = {
    Month(2020, 8): [8, 12, 12, 15, 10, 18, 20, 9, 6, 14, 30, 5],
    Month(2020, 9): [10, 9, 13, 13, 11, 16, 19, 7, 8, 15, 28, 4],
    Month(2020, 10): [7, 11, 10, 14, 12, 12, 17, 9, 5, 16, 26, 6],
    Month(2020, 11): [6, 10, 9, 12, 12, 15, 16, 8, 7, 13, 22, 5],
}
TOO_FEW = "xhl-xf"          # two visits a month: listed, not ranked
VISITS = 3
POINT_KINDS = ["back_street", "old_compound", "market"]


def _user(username: str, fallback: User) -> User:
    return User.objects.filter(username=username).first() or fallback


def _points(campaign: Campaign, street: Unit) -> list[Point]:
    points = []
    for index, kind in enumerate(POINT_KINDS, start=1):
        point, _created = Point.objects.get_or_create(
            campaign=campaign, code=f"DEMO-{street.code}-{index}",
            defaults={"unit": street, "kind": kind,
                      "name": f"{street.name}演示点位{index}（演示数据）"},
        )
        points.append(point)
    return points


def _findings(visit: Inspection, lost: int, criteria: list[Criterion], offset: int) -> None:
    """Split the points lost over a few criteria."""
    left = Decimal(lost)
    index = offset
    while left > 0:
        criterion = criteria[index % len(criteria)]
        points = min(left, max(criterion.points, Decimal(2)) * 2)
        Finding.objects.create(inspection=visit, criterion=criterion, points=points,
                               note="演示数据")
        left -= points
        index += 1


def _on_time_count(deduction: int) -> int:
    return 3 if deduction < 10 else 2 if deduction < 16 else 1 if deduction < 25 else 0


def _after_photos(street: Unit, staff: User, stored: dict[int, list[Photo]]) -> list[Photo]:
    """One generated after-photo per street, shown by all its demo fixes (storing a photo
    per fix would double the time the demo takes)."""
    if street.pk not in stored:
        upload = _photo(random.Random(street.code), "after", (60, 140, 90))
        stored[street.pk] = store_photos([upload], unit=street, by=staff)
    return stored[street.pk]


def _items(street: Unit, month: Month, deduction: int, by: User, zone: ZoneInfo,
           photos: dict[int, list[Photo]]) -> None:
    """Three items due mid-month: the first `on_time` fixed in time (the second of them only
    after a returned fix), the others fixed two days late, or never for the worst streets.
    Filed, fixed, returned and closed through the workflow, at the moments given."""
    on_time = _on_time_count(deduction)
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    staff = _staff(street)

    def submit(item: Rectification, at: dt.datetime) -> Rectification:
        return workflow.submit(item, by=staff, version=None, note="演示数据", at=at,
                               photos=_after_photos(street, staff, photos))

    for n in range(3):
        deadline = dt.datetime(month.year, month.month, 10 + 5 * n, 18, 0, tzinfo=zone)
        item = workflow.file_rectification(
            unit=street, title=f"{street.name}{month}演示整改事项{n + 1}", description="演示数据",
            deadline=deadline, by=by, at=deadline - 3 * day,
        )
        if n < on_time and n == 1:
            item = submit(item, deadline - 2 * day)
            item = workflow.return_for_rework(item, by=by, version=None, reason="演示数据",
                                              at=deadline - day)
            fixed_at = deadline - 3 * hour
        elif n < on_time:
            fixed_at = deadline - 6 * hour
        elif deduction < 25 or n < 2:
            fixed_at = deadline + 2 * day
        else:
            continue
        item = submit(item, fixed_at)
        workflow.close(item, by=by, version=None, method=SolvingMethod.SERVICE, note="演示数据",
                       at=fixed_at + 20 * hour)


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
    criteria = list(Criterion.objects.filter(category__standard__campaign=campaign,
                                             is_active=True).order_by("pk")[:12])
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
                # Around the mean: −2, 0, +2 points, so each visit reads differently.
                spread = [deduction - 2, deduction, deduction + 2][:count]
                if count == 2:
                    spread = [deduction - 1, deduction + 1]
                for n, (point, lost) in enumerate(zip(_points(campaign, street), spread,
                                                      strict=False)):
                    visit = Inspection.objects.create(
                        campaign=campaign, point=point, unit=street, inspector=inspector,
                        mode=InspectionMode.COVERT if n % 2 else InspectionMode.OPEN,
                        visited_at=dt.datetime(month.year, month.month, 5 + 8 * n, 9 + index % 6,
                                               tzinfo=zone),
                        note="演示数据", points_possible=Decimal(100), points_deducted=Decimal(lost),
                    )
                    _findings(visit, lost, criteria, index + n)
                _items(street, month, deduction, coordinator, zone, photos)
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
