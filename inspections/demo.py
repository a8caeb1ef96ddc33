"""Demo data for the closed loop: points under Xinghualing's and Jinyuan's streets and lane
offices, and three months of rounds, visits, findings and items in every state, up to today.
Every date counts back from the moment it runs, so the demo looks alike whatever the day: items
in every state, some overdue, some due within three days.

Everything goes through the services and the workflow (no status is written here), with
generated photos. Deterministic (a fixed seed) and refusing to run twice.
"""

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from campaign.calendar import WARNING_DAYS, WorkingCalendar, campaign_zone
from campaign.demo import DEMO_STREET
from campaign.enums import DayCount, PointKind, Role
from campaign.models import (
    PLACEHOLDER_MARK,
    Category,
    Criterion,
    Membership,
    Point,
    Task,
    Unit,
    User,
)
from campaign.periods import Month
from inspections import services, workflow
from inspections.enums import PENDING, InspectionMode, SolvingMethod
from inspections.models import Rectification
from inspections.notices.services import NoticeError, issue_notice

SEED = 2019
DISTRICTS = ("ty-xhl", "ty-jy")
STREET_KINDS = [PointKind.BACK_STREET, PointKind.OLD_COMPOUND, PointKind.MAIN_ROAD,
                PointKind.MARKET, PointKind.PUBLIC_PLACE]
# The fates an item may meet in `_live`; every one of them is met at least once (see `_for_sure`).
FATES = ["open", "ack", "submitted", "closed", "rework", "rework_closed", "sent_back", "extended",
         "voided"]
KIND_WORDS = {
    PointKind.BACK_STREET: "背街小巷", PointKind.OLD_COMPOUND: "老旧小区",
    PointKind.MAIN_ROAD: "主干道", PointKind.MARKET: "农贸市场", PointKind.PUBLIC_PLACE: "公共广场",
}


class DemoError(Exception):
    pass


def _photo(rng: random.Random, label: str, colour: tuple[int, int, int],
           taken_at: dt.datetime | None = None, zone: dt.tzinfo | None = None,
           ) -> SimpleUploadedFile:
    """A generated JPEG; `taken_at` is written in its EXIF as a phone would: the local time of
    `zone` (the campaign's), no offset."""
    image = Image.new("RGB", (480, 360), colour)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(440), rng.randrange(320)
        shade = tuple(max(0, c - rng.randrange(80)) for c in colour)
        draw.rectangle([x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 80)], fill=shade)
    draw.text((12, 12), label, fill=(255, 255, 255))
    exif = Image.Exif()
    if taken_at is not None:
        exif[0x0132] = f"{timezone.localtime(taken_at, zone):%Y:%m:%d %H:%M:%S}"   # DateTime
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70, **({"exif": exif} if taken_at else {}))
    return SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _staff(street: Unit) -> User:
    """A stand-in street staff member (no password: for the demo's history only)."""
    user, created = User.objects.get_or_create(
        username=f"staff-{street.key or street.pk}", defaults={"name": f"{street.name}专干（演示）"})
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, unit=street, role=Role.UNIT_STAFF)
    return user


def create_points(rng: random.Random) -> list[Point]:
    points = []
    for district_key in DISTRICTS:
        district = Unit.objects.get(key=district_key)
        for street in district.children.filter(kind="street").order_by("order", "pk"):
            lanes = list(street.children.filter(kind="lane_office").order_by("pk")[:4])
            for number in range(1, 13):
                kind = STREET_KINDS[(number - 1) % len(STREET_KINDS)]
                unit = lanes[number % len(lanes)] if lanes and kind == PointKind.BACK_STREET else street
                points.append(Point.objects.create(
                    campaign=street.campaign, unit=unit, kind=kind,
                    code=f"{street.code}-P{number:03d}",
                    name=f"{street.name}{KIND_WORDS[kind]}{number:02d}（演示）",
                    address=f"{street.name}演示点位{number}号",
                ))
    return points


def build(*, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo; refuses when it is already there."""
    if Point.objects.filter(code__endswith="-P001", name__endswith="（演示）").exists():
        raise DemoError("The closed-loop demo data is already there.")
    rng = random.Random(SEED)
    now = timezone.now()
    today = today or timezone.localdate()
    inspector = User.objects.get(username="inspector")
    coordinator = User.objects.get(username="coordinator")
    with transaction.atomic():
        points = create_points(rng)
    counts = {"points": len(points), "rounds": 0, "visits": 0, "items": 0}
    start = Month.of(today).previous().previous().first_day   # this month and the two before
    counts["working_day_criteria"] = count_in_working_days(start, today)
    day = start
    while day <= today:
        for district_key in DISTRICTS:
            district = Unit.objects.get(key=district_key)
            ends = min(day + dt.timedelta(days=9), today)
            round_ = services.plan_round(
                unit=district, name=f"{district.name}{day:%Y年%m月%d日}旬督查（演示）",
                starts_on=day, ends_on=ends, sample_size=8, by=inspector,
                seed=rng.randrange(2**31),
            )
            counts["rounds"] += 1
            for point in round_.points.select_related("unit", "campaign"):
                at = timezone.make_aware(dt.datetime.combine(
                    day + dt.timedelta(days=rng.randrange(0, (ends - day).days + 1)),
                    dt.time(rng.randrange(8, 18), rng.randrange(60))))
                if at > now:
                    continue
                _visit(rng, point, round_, at, inspector, coordinator, now, counts)
        day += dt.timedelta(days=10)
    _for_sure(rng, points, inspector, coordinator, now, counts)
    counts["citizen_reports"] = _citizen_reports(rng, points, coordinator)
    return counts


# Categories kept off the public report form: a district's own management checklist (staff
# check it, citizens would not know it), and the placeholders the documents give no name for.
INTERNAL_CATEGORIES = ("wbl-all",)
# Citizen reports (随手拍): category key, what was seen, where, offset from the first street's
# centre in thousandths of a degree, and what the office did with it.
CITIZEN_REPORTS = [
    ("ty8-living", "小区门口垃圾桶满溢，两天没人清运（演示）", "{street}东门垃圾站旁", (2, 3), "new"),
    ("ty9-all", "早市摊贩占满人行道，行人只能走机动车道（演示）", "{street}菜市场北口", (-4, 1), "accepted"),
    ("ty8-eco", "河边有人焚烧落叶，烟很大（演示）", "外省某河滩", (40, -35), "rejected"),
]


def _citizen_reports(rng, points, coordinator) -> int:
    """The public categories marked, and three reports with a category and a place: one waiting
    for the office, one filed as an item for the street, one not taken up."""
    campaign = points[0].campaign
    categories = Category.objects.filter(standard__campaign=campaign)
    categories.update(public=True)
    categories.filter(Q(key__in=INTERNAL_CATEGORIES) | Q(name__contains=PLACEHOLDER_MARK)).update(
        public=False)
    street = _street_of(points[0].unit)
    for key, description, place, (north, east), fate in CITIZEN_REPORTS:
        report = services.report_problem(
            campaign=campaign, description=description, location=place.format(street=street.name),
            uploads=[_photo(rng, "report", (120, 120, 60))], category=categories.get(key=key),
            latitude=Decimal("37.870000") + Decimal(north) / 1000,
            longitude=Decimal("112.550000") + Decimal(east) / 1000,
        )
        if fate == "accepted":
            services.accept_report(report, unit=street, title=description[:60], deadline=None,
                                   by=coordinator)
        elif fate == "rejected":
            services.reject_report(report, reason="不在本市范围，已告知向所在地反映（演示）",
                                   by=coordinator)
    return len(CITIZEN_REPORTS)


# Criteria whose default deadline the demo counts in working days (工作日): the seeds give no
# deadlines (every one is a demo value), so the demo chooses these.
WORKING_DAY_CRITERIA = 2


def count_in_working_days(start: dt.date, today: dt.date) -> int:
    """The first criteria of each demo district's standards with a deadline of 3 days or more
    are counted in working days, so the item pages show "3 个工作日". Only when the calendar
    knows every year from `start` to 60 days after `today`: the demo never makes a count the
    calendar cannot answer (a year the package does not know keeps them in natural days)."""
    changed = 0
    for district_key in DISTRICTS:
        district = Unit.objects.get(key=district_key)
        years = range(start.year, (today + dt.timedelta(days=WARNING_DAYS)).year + 1)
        if WorkingCalendar(district.campaign).unknown_years(years):
            continue
        criteria = Criterion.objects.in_force().for_unit(district).filter(
            deadline_days__gte=3).exclude(deadline_count=DayCount.WORKING).order_by("pk")
        chosen = list(criteria.values_list("pk", flat=True)[:WORKING_DAY_CRITERIA])
        changed += Criterion.objects.filter(pk__in=chosen).update(deadline_count=DayCount.WORKING)
    return changed


def _end_of_day(at: dt.datetime, days: int) -> dt.datetime:
    """The end of the local day `days` after `at`, as the default deadlines are."""
    day = timezone.localtime(at).date() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _for_sure(rng, points, inspector, coordinator, now, counts) -> None:
    """The draws above hold every state on most days, but not by construction (what they give
    depends on the day of the month). So, whatever the day: one item of each fate found ten
    days ago with three days to fix it (the longest fate, a late fix returned, fixed again and
    closed, ends within nine days; those still waiting for a fix are overdue by now), and one
    found yesterday, due at the end of tomorrow; and one filed for the wrong street and
    re-routed (`_misfiled`). They are found at the demo street's points first, so that the
    `street` account meets every state on any day."""
    ten_days_ago = now - dt.timedelta(days=10)
    plan = [(fate, ten_days_ago, 3) for fate in FATES]
    plan.append(("open", now - dt.timedelta(days=1), 2))
    street = Unit.objects.get(key=DEMO_STREET)
    first = sorted(points, key=lambda point: not point.unit.path.startswith(street.path))
    usable = (point for point in first if services.applicable_criteria(point))
    for (fate, at, days), point in zip(plan, usable, strict=False):
        criterion = rng.choice(services.applicable_criteria(point))
        visit = services.record_visit(
            point=point, by=inspector, mode=InspectionMode.COVERT, visited_at=at, now=at,
            findings=[services.FindingInput(criterion=criterion, note="现场发现（演示）",
                                            deadline=_end_of_day(at, days),
                                            uploads=[_photo(rng, "before", (150, 90, 60))])],
        )
        item = Rectification.objects.get(finding__inspection=visit)
        _live(rng, item, at, coordinator, inspector, now, fate=fate)
        counts["visits"] += 1
        counts["items"] += 1
    _recurrence(rng, inspector, now, counts)
    _misfiled(points, coordinator, now)
    counts["items"] += 1


def _recurrence(rng, inspector, now, counts) -> None:
    """The problem of an item closed above found again two hours ago at the same point: a
    recurrence (复发) of it, whatever the day (the item closed within nine days of ten days ago)."""
    closed = (Rectification.objects.filter(created_at=now - dt.timedelta(days=10),
                                              closed_at__isnull=False)
              .select_related("point", "criterion").order_by("pk").first())
    if closed is None or closed.point is None or closed.criterion is None:
        return
    at = now - dt.timedelta(hours=2)
    services.record_visit(
        point=closed.point, by=inspector, mode=InspectionMode.OPEN, visited_at=at, now=at,
        findings=[services.FindingInput(criterion=closed.criterion, note="问题复发（演示）",
                                        deadline=_end_of_day(at, 3),
                                        uploads=[_photo(rng, "again", (170, 80, 60))])],
    )
    counts["visits"] += 1
    counts["items"] += 1


def _misfiled(points, coordinator, now) -> Rectification:
    """A complaint by phone filed three days ago for the street next to the one that answers for
    the place, due the next day; that street's staff send it back (回退) three hours later, and
    the next day a coordinator re-routes it to the point's unit with the deadline
    `services.offered_deadline` gives (a fresh one: the criterion's default from then), which
    takes it on. Whatever the day, the item is with the right unit and not yet due."""
    point, criterion = next(
        (point, criterion) for point in points if point.unit.kind == "street"
        for criterion in services.applicable_criteria(point) if criterion.deadline_days >= 3)
    owner = point.unit
    streets = list(owner.parent.children.filter(kind="street").order_by("order", "pk"))
    wrong = streets[(streets.index(owner) + 1) % len(streets)]
    at = now - dt.timedelta(days=3)
    item = workflow.file_rectification(
        unit=wrong, title=f"{point.name}：{criterion.name}", by=coordinator, point=point,
        criterion=criterion, description="市民来电反映（演示）", deadline=_end_of_day(at, 1), at=at)
    item = workflow.send_back(item, by=_staff(wrong), version=None, at=at + dt.timedelta(hours=3),
                              reason=f"该点位属{owner.name}管辖，非本单位责任（演示）")
    when = at + dt.timedelta(days=1)
    item = workflow.reroute(item, by=coordinator, version=None, to_unit=owner, at=when,
                            note=f"改派至点位的责任单位{owner.name}（演示）",
                            deadline=services.offered_deadline(item, when))
    return workflow.acknowledge(item, by=_staff(owner), version=None,
                                at=when + dt.timedelta(hours=2))


def _visit(rng, point, round_, at, inspector, coordinator, now, counts) -> None:
    criteria = services.applicable_criteria(point)
    chosen = rng.sample(criteria, min(len(criteria), rng.choice([0, 1, 1, 2, 2, 3])))
    findings = [
        services.FindingInput(criterion=criterion, note="现场发现（演示）",
                              uploads=[_photo(rng, "before", (150, 90, 60))])
        for criterion in chosen
    ]
    visit = services.record_visit(
        point=point, by=inspector, mode=rng.choice(InspectionMode.values), visited_at=at,
        findings=findings, round=round_, now=at,
    )
    counts["visits"] += 1
    for finding in visit.findings.all():
        item = Rectification.objects.get(finding=finding)
        _live(rng, item, at, coordinator, inspector, now)
        counts["items"] += 1


HALF_HOUR = dt.timedelta(minutes=30)


def _live(rng, item, at, coordinator, inspector, now, fate: str | None = None) -> None:
    """Take the item through its fate (a random one unless given), never past now."""
    staff = _staff(_street_of(item.unit))
    fate = fate or rng.choice(["open", "ack", "submitted", "closed", "closed", "closed", "rework",
                               "rework_closed", "sent_back", "extended", "voided"])
    clock = at + dt.timedelta(hours=rng.randrange(1, 20))

    def step(hours):
        nonlocal clock
        clock += dt.timedelta(hours=hours)
        return clock if clock < now else None

    if fate == "open":
        return
    if fate == "voided":
        if when := step(5):
            workflow.void(item, by=coordinator, version=None, reason="经核实不属实（演示）", at=when)
        return
    if fate == "sent_back":
        # The point's own unit says another body answers for the problem (a property company,
        # a utility): the item waits at the dispatcher (回退) for a coordinator to decide.
        # `_misfiled` shows one re-routed.
        if when := step(2):
            workflow.send_back(item, by=staff, version=None, reason="非本单位责任，属产权单位管理（演示）",
                               at=when)
        return
    if not (when := step(2)):
        return
    item = workflow.acknowledge(item, by=staff, version=None, at=when)
    if fate == "ack":
        return
    if fate == "extended":
        if when := step(6):
            workflow.extend_deadline(item, by=coordinator, version=None, at=when,
                                     deadline=item.deadline + dt.timedelta(days=7),
                                     reason="需协调产权单位（演示）")
        return
    late = rng.random() < 0.25
    hours = (item.deadline - clock).total_seconds() / 3600
    if not (when := step(max(1, hours + 24) if late else max(1, hours * rng.uniform(0.2, 0.9)))):
        return
    # The after-photo was taken half an hour before the fix was submitted; one item in seven
    # shows a photo taken the day before the item was filed (a warning for the verifier).
    taken = item.created_at - dt.timedelta(days=1) if item.pk % 7 == 3 else when - HALF_HOUR
    zone = campaign_zone(item.campaign)
    photo = services.store_photos([_photo(rng, "after", (60, 140, 90), taken, zone)],
                                  unit=item.unit, by=staff)
    item = workflow.submit(item, by=staff, version=None, photos=photo, note="已整改（演示）",
                           at=when)
    if fate == "submitted":
        return
    if fate in ("rework", "rework_closed"):
        if not (when := step(20)):
            return
        item = workflow.return_for_rework(item, by=inspector, version=None,
                                          reason="复查仍有问题（演示）", at=when,
                                          deadline=services.offered_deadline(item, when))
        if fate == "rework" or not (when := step(30)):
            return
        photo = services.store_photos([_photo(rng, "after2", (60, 150, 110), when - HALF_HOUR, zone)],
                                      unit=item.unit, by=staff)
        item = workflow.submit(item, by=staff, version=None, photos=photo, at=when)
    if when := step(rng.randrange(4, 40)):
        workflow.close(item, by=inspector, version=None, at=when,
                       method=rng.choices(SolvingMethod.values, weights=[7, 2, 1])[0],
                       note="复查合格（演示）")


def _street_of(unit: Unit) -> Unit:
    if unit.kind == "street" or unit.parent is None:
        return unit
    return unit.parent if unit.parent.kind == "street" else unit


def create_demo_notice(*, now: dt.datetime | None = None) -> str:
    """A supervision notice (督办单) from the campaign office to 涧河街道 about the two pending
    items of its subtree due the earliest (overdue ones first) and its demo task, reply in 3
    natural days (the demo never depends on a year the calendar may not know); `street` sees it
    in the inbox. Returns its number, or why there is none."""
    now = now or timezone.now()
    street = Unit.objects.get(key=DEMO_STREET)
    items = list(Rectification.objects.filter(unit__path__startswith=street.path, status__in=PENDING)
                 .order_by("deadline", "pk")[:2])
    tasks = list(Task.objects.filter(unit=street).order_by("pk")[:1])
    try:
        notice = issue_notice(
            unit=street, subject="创城整改事项督办（演示）",
            body="请于期限内完成整改并回复整改情况，附整改后照片。",
            by=User.objects.get(username="coordinator"), reply_days=3,
            reply_count=DayCount.NATURAL, items=items, tasks=tasks, now=now)
    except NoticeError as error:
        return f"No demo notice: {error}"
    return f"Demo supervision notice: {notice.code}"
