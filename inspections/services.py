"""Inspections and what surrounds the item workflow: drawing a round's sample, recording a
visit with its findings (each files an item through the workflow), citizen reports, and a unit's
figures. The point register's import and export are in inspections.points."""

import datetime as dt
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.calendar import Period, UnknownYear, WorkingCalendar, counted_from, describe
from campaign.enums import DayCount, DeadlineDays
from campaign.models import PLACEHOLDER_MARK, Campaign, Category, Criterion, Photo, Point, Unit, User
from campaign.periods import Month
from campaign.permissions import campaign_root
from campaign.photos import MAX_PIXELS, PUBLIC_MAX_PIXELS, discard_files, store_photo
from campaign.tree import subtree_q
from inspections import live, permissions, workflow
from inspections.enums import (
    CitizenReportStatus,
    EventAction,
    FeedbackRating,
    RectificationSource,
    RectificationStatus,
    RoundKind,
)
from inspections.models import (
    CitizenReport,
    Finding,
    Inspection,
    InspectionRound,
    Rectification,
    RectificationEvent,
    RectificationQuerySet,
    ReportFeedback,
)
from inspections.rounding import round_half_up


class InspectionError(Exception):
    """A visit, round or import refused; the message is for the person."""


# ---- photos -------------------------------------------------------------------------------

def store_photos(uploads: Sequence, *, unit: Unit, by: User,
                 max_pixels: int = MAX_PIXELS) -> list[Photo]:
    """Store every upload or none: a refused one removes those stored before it."""
    stored: list[Photo] = []
    try:
        for upload in uploads:
            stored.append(store_photo(upload, unit=unit, by=by, max_pixels=max_pixels))
    except Exception:
        forget_photos(stored)
        raise
    return stored


def forget_photos(photos: Sequence[Photo]) -> None:
    """Undo stored photos when the step they were meant for was refused."""
    for photo in photos:
        discard_files(photo)
        if photo.pk:
            Photo.objects.filter(pk=photo.pk).delete()


# ---- deadlines and points -----------------------------------------------------------------

# An item without a criterion (a standalone item, a report triaged without one) gets the
# period a new criterion gets by default, in natural days.
STANDALONE_DEADLINE_DAYS: int = DeadlineDays.THREE_DAYS


def deadline_days(criterion: Criterion | None) -> int:
    return criterion.deadline_days if criterion else STANDALONE_DEADLINE_DAYS


def deadline_period(criterion: Criterion | None) -> Period:
    """The criterion's default period (N natural or working days); 3 natural days without one."""
    if criterion is None:
        return Period(STANDALONE_DEADLINE_DAYS, DayCount.NATURAL)
    return Period(criterion.deadline_days, criterion.deadline_count or DayCount.NATURAL)


def criterion_period(criterion: Criterion) -> str:
    """A criterion's default period as people read it: "3 天", "当天", "3 个工作日"."""
    if criterion.deadline_count == DayCount.WORKING:
        return describe(criterion.deadline_days, DayCount.WORKING)
    return criterion.get_deadline_days_display()


def counted_deadline(campaign: Campaign | None, at: dt.datetime, period: Period) -> dt.datetime:
    """The one rule of a counted deadline: the end of the period's last day after `at`, on the
    campaign's calendar and in its time zone (campaign.calendar). A working-day count that
    reaches a year the calendar cannot answer for raises UnknownYear (its message is for the
    person)."""
    return counted_from(WorkingCalendar(campaign), at, period)


def end_of_day(at: dt.datetime, days: int = 0, campaign: Campaign | None = None) -> dt.datetime:
    """The end (23:59:59, the campaign's local time) of the day `days` natural days after `at`:
    how deadlines are given."""
    return counted_deadline(campaign, at, Period(days, DayCount.NATURAL))


def default_deadline(criterion: Criterion | None, at: dt.datetime,
                     campaign: Campaign | None = None) -> dt.datetime:
    """The criterion's period counted from `at` (0: the end of the same day; in working days,
    of the same day if it is one, else of the next)."""
    return counted_deadline(campaign, at, deadline_period(criterion))


def offered_deadline(item: Rectification, at: dt.datetime) -> dt.datetime:
    """The deadline a re-route or a return for rework hands the unit: the current one while it
    still leaves the criterion's default period from `at`, else the default counted from `at`
    (so a unit never receives an item it cannot finish in time). UnknownYear when the default
    is counted in working days into a year the calendar cannot answer for."""
    default = default_deadline(item.criterion, at, item.campaign)
    # Kept only when it leaves the unit at least the whole default period (to the end of its day).
    return item.deadline if item.deadline >= default else default


def deadline_counted(item: Rectification) -> str:
    """How the deadline in force was counted, to show beside it ("3 个工作日", "3 天"); empty
    when a person picked the date."""
    if item.deadline_days is None or not item.deadline_count:
        return ""
    return describe(item.deadline_days, item.deadline_count)


@dataclass(frozen=True)
class TimeLeft:
    """Working days until a pending item's deadline, or since it passed."""

    days: int
    overdue: bool

    def __str__(self) -> str:
        if self.overdue:
            return ngettext("%(n)d working day overdue", "%(n)d working days overdue",
                            self.days) % {"n": self.days}
        return ngettext("%(n)d working day left after today",
                        "%(n)d working days left after today", self.days) % {"n": self.days}


def working_days_left(item: Rectification, now: dt.datetime) -> TimeLeft | None:
    """While the item is pending: the working days that end after today and by the deadline
    (its own day only when the deadline is the end of it), or, once overdue, those that have
    ended since. None when it is not pending, when nothing is overdue yet in working days, or
    when the calendar cannot answer for a day between (no guess)."""
    if not item.is_pending:
        return None
    calendar = WorkingCalendar(item.campaign)
    try:
        if item.deadline >= now:
            return TimeLeft(calendar.working_days_between(now, item.deadline), overdue=False)
        days = calendar.working_days_between(item.deadline, now)
    except UnknownYear:
        return None
    return TimeLeft(days, overdue=True) if days else None


def applicable_criteria(point: Point) -> list[Criterion]:
    """What a visit to the point checks, and so what its points possible are: the named
    criteria in force of the standards bound to the point's unit or an ancestor, that name the
    point's kind (or no kind). The visit form, the visit's score and the demo all read this."""
    criteria = Criterion.objects.in_force().for_unit(point.unit)
    # point_kinds is a JSON list, which SQLite cannot search: filtered here.
    return [criterion for criterion in criteria if criterion.applies_to(point.kind)]


def points_possible(point: Point) -> Decimal:
    return sum((criterion.points for criterion in applicable_criteria(point)), Decimal(0))


# ---- rounds -------------------------------------------------------------------------------

def by_unit_and_kind(point: Point) -> tuple:
    """A round's strata: each responsible unit's points of each kind."""
    return (point.unit_id, point.kind)


def by_kind(point: Point) -> tuple:
    """A mock evaluation's strata: the point kinds (back streets, old compounds, markets…), as
    the real evaluation samples them across the city."""
    return (point.kind,)


def draw_sample(points: Sequence[Point], size: int, seed: int,
                stratum: Callable[[Point], tuple] = by_unit_and_kind) -> list[Point]:
    """A stratified random sample: strata are `stratum(point)` (by default: responsible unit,
    point kind); each gets its share of `size` by largest remainder (at least one when size
    allows). The same points, size and seed always give the same sample."""
    strata: dict[tuple, list[Point]] = defaultdict(list)
    for point in sorted(points, key=lambda p: p.pk):
        strata[stratum(point)].append(point)
    keys = sorted(strata)
    total = sum(len(strata[key]) for key in keys)
    size = min(size, total)
    if not size:
        return []
    if size >= len(keys):
        shares = {key: 1 for key in keys}
        rest = size - len(keys)
        quotas = {key: rest * (len(strata[key]) - 1) / max(total - len(keys), 1) for key in keys}
    else:
        shares = {key: 0 for key in keys}
        rest = size
        quotas = {key: size * len(strata[key]) / total for key in keys}
    for key in keys:
        shares[key] += int(quotas[key])
    left = size - sum(shares.values())
    rng = random.Random(seed)
    order = sorted(keys, key=lambda key: (-(quotas[key] - int(quotas[key])), rng.random()))
    for key in order:
        if left <= 0:
            break
        if shares[key] < len(strata[key]):
            shares[key] += 1
            left -= 1
    chosen: list[Point] = []
    for key in keys:
        chosen.extend(rng.sample(strata[key], min(shares[key], len(strata[key]))))
    return chosen


@transaction.atomic
def plan_round(
    *, unit: Unit, name: str, starts_on: dt.date, ends_on: dt.date, sample_size: int, by: User,
    seed: int | None = None, kind: str = RoundKind.ORDINARY,
) -> InspectionRound:
    """Plan an inspection round (旬督查) over a unit's subtree with a recorded seed; a mock
    evaluation (inspections.mock) is a round of kind "mock", sampled by point kind."""
    if not permissions.can_inspect(by, unit):
        raise InspectionError(_("You may not plan rounds for %(unit)s.") % {"unit": unit})
    if ends_on < starts_on:
        raise InspectionError(_("The round cannot end before it starts."))
    seed = secrets.randbelow(2**31) if seed is None else seed
    points = list(Point.objects.filter(subtree_q([unit.path], "unit__path"), is_active=True))
    chosen = draw_sample(points, sample_size, seed,
                         by_kind if kind == RoundKind.MOCK else by_unit_and_kind)
    round_ = InspectionRound.objects.create(
        campaign=unit.campaign, unit=unit, name=name, starts_on=starts_on, ends_on=ends_on,
        seed=seed, sample_size=sample_size, created_by=by, kind=kind,
    )
    round_.points.set(chosen)
    return round_


# ---- visits -------------------------------------------------------------------------------

@dataclass
class FindingInput:
    criterion: Criterion
    note: str = ""
    deadline: dt.datetime | None = None
    uploads: list = field(default_factory=list)
    # Whether the finding files an item: always on an ordinary visit; on a mock evaluation's
    # visit only when the inspector asks (its findings are recorded for the report).
    file_item: bool = True


# How long after a visit it may still be recorded (a visit's record is evidence: no backdating
# past the monthly bulletin it counts for).
MAX_VISIT_AGE = dt.timedelta(days=31)


def record_visit(
    *, point: Point, by: User, mode: str, visited_at: dt.datetime, note: str = "",
    findings: Sequence[FindingInput] = (), uploads: Sequence = (),
    round: InspectionRound | None = None, now: dt.datetime | None = None,
    latitude: Decimal | None = None, longitude: Decimal | None = None,
) -> Inspection:
    """Record a visit (明查/暗访); each finding files an item for the point's responsible unit.
    Photos are stored first; if anything is refused, none stays. `now` is when it is recorded
    (the demo records its history as of each day)."""
    stored: list[Photo] = []
    try:
        visit_photos = store_photos(uploads, unit=point.unit, by=by)
        stored += visit_photos
        finding_photos = []
        for finding in findings:
            photos = store_photos(finding.uploads, unit=point.unit, by=by)
            stored += photos
            finding_photos.append(photos)
        return _record_visit(point=point, by=by, mode=mode, visited_at=visited_at, note=note,
                             findings=findings, finding_photos=finding_photos,
                             visit_photos=visit_photos, round=round, now=now,
                             latitude=latitude, longitude=longitude)
    except Exception:
        forget_photos(stored)
        raise


@transaction.atomic
def _record_visit(*, point, by, mode, visited_at, note, findings, finding_photos, visit_photos,
                  round, now, latitude=None, longitude=None) -> Inspection:
    if not permissions.can_inspect(by, point.unit):
        raise InspectionError(_("You may not inspect %(point)s.") % {"point": point})
    now = now or timezone.now()
    if visited_at > now + dt.timedelta(minutes=5):
        raise InspectionError(_("A visit cannot be in the future."))
    if visited_at < now - MAX_VISIT_AGE:
        raise InspectionError(_("A visit can be recorded at most %(days)s days afterwards.")
                              % {"days": MAX_VISIT_AGE.days})
    campaign = point.campaign
    if visited_at.astimezone(ZoneInfo(campaign.time_zone)).date() < campaign.start:
        raise InspectionError(_("A visit cannot be before the campaign starts (%(start)s).")
                              % {"start": campaign.start.isoformat()})
    day = visited_at.astimezone(ZoneInfo(campaign.time_zone)).date()
    if (round is not None and round.kind == RoundKind.MOCK
            and not round.starts_on <= day <= round.ends_on):
        # The report is over the mock's period: a visit outside it would compare unlike mocks.
        raise InspectionError(
            _("A visit of the mock evaluation lies within its period (%(start)s – %(end)s).")
            % {"start": round.starts_on.isoformat(), "end": round.ends_on.isoformat()})
    criteria = {criterion.pk: criterion for criterion in applicable_criteria(point)}
    for finding in findings:
        if finding.criterion.pk not in criteria:
            raise InspectionError(_("“%(criterion)s” does not apply to a %(kind)s.") % {
                "criterion": finding.criterion, "kind": point.get_kind_display()})
    inspection = Inspection.objects.create(
        campaign=point.campaign, round=round, point=point, unit=point.unit, inspector=by,
        mode=mode, visited_at=visited_at, note=note, latitude=latitude, longitude=longitude,
        points_possible=sum((c.points for c in criteria.values()), Decimal(0)),
        points_deducted=sum((f.criterion.points for f in findings), Decimal(0)),
    )
    inspection.photos.set(visit_photos)
    # Default deadlines are counted before anything is written: a year the calendar cannot
    # answer for refuses the visit with its message.
    mock = round is not None and round.kind == RoundKind.MOCK
    filed = [not mock or finding.file_item for finding in findings]
    deadlines: list[tuple[dt.datetime, Period | None] | None] = []
    for finding, files in zip(findings, filed, strict=True):
        if not files:
            deadlines.append(None)
            continue
        if finding.deadline:
            deadlines.append((finding.deadline, None))
            continue
        default = deadline_period(finding.criterion)
        try:
            deadlines.append((counted_deadline(campaign, visited_at, default), default))
        except UnknownYear as error:
            raise InspectionError(str(error)) from None
    for finding, photos, due in zip(findings, finding_photos, deadlines, strict=True):
        row = Finding.objects.create(inspection=inspection, criterion=finding.criterion,
                                     points=finding.criterion.points, note=finding.note)
        row.photos.set([*photos, *visit_photos])
        if due is None:
            continue
        deadline, period = due
        # The item is filed as of the visit, and its default deadline counts from then.
        workflow.file_rectification(
            unit=point.unit, title=f"{point.name}：{finding.criterion.name}",
            description=finding.note, by=by, point=point, criterion=finding.criterion,
            deadline=deadline, period=period,
            finding=row, photos=photos or visit_photos, at=visited_at,
        )
    return inspection


def file_standalone(
    *, unit: Unit, title: str, description: str, deadline: dt.datetime, by: User,
    point: Point | None = None, criterion: Criterion | None = None, uploads: Sequence = (),
    period: Period | None = None,
) -> Rectification:
    """File an item without a visit (a leader's instruction, a complaint by phone…); `period`:
    how the deadline was counted (forms.CountedDeadline), None when a date was picked."""
    photos = store_photos(uploads, unit=unit, by=by)
    try:
        return workflow.file_rectification(
            unit=unit, title=title, description=description, deadline=deadline, by=by,
            point=point, criterion=criterion, photos=photos, period=period,
        )
    except Exception:
        forget_photos(photos)
        raise


def take_step(step: workflow.Step, item: Rectification, *, by: User, version: int | None,
              uploads: Sequence | None = None, **arguments) -> Rectification:
    """Take a workflow step from a page. A step given `uploads` (the after-photos of a fix)
    gets them stored as its photos first; a refused step leaves no photo behind."""
    if uploads is None:
        return step.run(item, by=by, version=version, **arguments)
    if not uploads:
        raise workflow.TransitionError(_("Add at least one photo showing the fix."))
    photos = store_photos(uploads, unit=item.unit, by=by)
    try:
        return step.run(item, by=by, version=version, photos=photos, **arguments)
    except Exception:
        forget_photos(photos)
        raise


# ---- citizen reports ----------------------------------------------------------------------

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


PUBLIC_UPLOADER = "citizen-reports"


def public_uploader() -> User:
    """The account public photos are stored under (it cannot log in)."""
    user, created = User.objects.get_or_create(
        username=PUBLIC_UPLOADER, defaults={"name": "随手拍", "is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# A report with the same photos and the same text from the same address within this time is the
# same report sent again (a double tap, a resend after a lost connection): it is not filed twice.
REPEAT_WINDOW = dt.timedelta(minutes=10)


class RepeatedReport(InspectionError):
    """The report was already received (`report`, the earlier one); nothing new was filed."""

    def __init__(self, report: CitizenReport):
        self.report = report
        super().__init__(_("This report was already received at %(time)s.") % {
            "time": timezone.localtime(report.created_at).strftime("%H:%M")})


def public_categories(campaign: Campaign):
    """The categories a citizen may choose: the public ones of the campaign's standards in
    force, in the standards' order; a placeholder (the documents give no name) is not one."""
    return Category.objects.filter(
        standard__campaign=campaign, standard__is_active=True, public=True,
    ).exclude(name__contains=PLACEHOLDER_MARK).order_by("standard_id", "order", "pk")


def repeat_key(*, sender: str, description: str, photos: Sequence[Photo]) -> str:
    """A keyed hash (HMAC with the site's secret) of the sender's address, the description with
    its whitespace normalised and the photos' SHA-256 digests: equal for the same report sent
    again, and no way back to the address."""
    text = " ".join(description.split())
    digests = ",".join(sorted(photo.sha256 for photo in photos))
    return salted_hmac("inspections.citizen-report-repeat", f"{sender}\n{text}\n{digests}",
                       algorithm="sha256").hexdigest()


def report_problem(
    *, campaign: Campaign, description: str, location: str, contact: str = "",
    uploads: Sequence = (), latitude: Decimal | None = None, longitude: Decimal | None = None,
    category: Category | None = None, sender: str = "",
) -> CitizenReport:
    """A citizen's photo report (随手拍). Its photos belong to the campaign's root unit, so
    the campaign office sees them; the public never sees any photo back. `category`: one of
    `public_categories(campaign)`. `sender`: the address the report came from
    (campaign.clientip.throttle_address); given, the same photos and text from it again within
    REPEAT_WINDOW raise RepeatedReport naming the earlier report, and nothing is stored."""
    root = campaign_root(campaign.pk)
    if root is None:
        raise InspectionError(_("This campaign takes no reports yet."))
    if category is not None and not public_categories(campaign).filter(pk=category.pk).exists():
        raise InspectionError(_("Choose one of the categories offered."))
    photos = store_photos(uploads, unit=root, by=public_uploader(), max_pixels=PUBLIC_MAX_PIXELS)
    key = repeat_key(sender=sender, description=description, photos=photos) if sender else ""
    try:
        with transaction.atomic():
            if key:
                # One report at a time per campaign while the repeat is looked for, so two
                # copies sent at once cannot both miss each other.
                Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
                earlier = CitizenReport.objects.filter(
                    campaign=campaign, repeat_key=key,
                    created_at__gte=timezone.now() - REPEAT_WINDOW,
                ).order_by("-created_at", "-pk").first()
                if earlier is not None:
                    raise RepeatedReport(earlier)
            report = CitizenReport.objects.create(
                campaign=campaign, tracking_code=new_tracking_code(), description=description,
                location=location, contact=contact, latitude=latitude, longitude=longitude,
                category=category, repeat_key=key,
            )
            report.photos.set(photos)
    except Exception:
        forget_photos(photos)
        raise
    return report


@transaction.atomic
def accept_report(
    report: CitizenReport, *, unit: Unit, title: str, deadline: dt.datetime | None, by: User,
    point: Point | None = None, criterion: Criterion | None = None, period: Period | None = None,
) -> Rectification:
    """Triage: the report becomes an item for a unit, with the point and the criterion when
    the coordinator knows them (so the item counts under its category and point kind). No
    deadline given: the criterion's default counted from now. A deadline already past is
    refused by the workflow."""
    report = CitizenReport.objects.select_for_update().get(pk=report.pk)
    if report.status != CitizenReportStatus.NEW:
        raise InspectionError(_("This report has already been triaged."))
    if deadline is None:
        period = deadline_period(criterion)
        try:
            deadline = counted_deadline(report.campaign, timezone.now(), period)
        except UnknownYear as error:
            raise InspectionError(str(error)) from None
    item = workflow.file_rectification(
        unit=unit, title=title, description=report.description, deadline=deadline, by=by,
        period=period,
        citizen_report=report, photos=list(report.photos.all()), point=point,
        criterion=criterion,
    )
    report.status, report.triaged_by, report.triaged_at = CitizenReportStatus.ACCEPTED, by, timezone.now()
    report.save(update_fields=["status", "triaged_by", "triaged_at"])
    return item


@transaction.atomic
def reject_report(report: CitizenReport, *, reason: str, by: User) -> CitizenReport:
    report = CitizenReport.objects.select_for_update().get(pk=report.pk)
    if report.status != CitizenReportStatus.NEW:
        raise InspectionError(_("This report has already been triaged."))
    if not reason.strip():
        raise InspectionError(_("Say why the report is rejected."))
    report.status, report.reason = CitizenReportStatus.REJECTED, reason.strip()
    report.triaged_by, report.triaged_at = by, timezone.now()
    report.save(update_fields=["status", "reason", "triaged_by", "triaged_at"])
    return report


# ---- a unit's figures ---------------------------------------------------------------------

@dataclass
class UnitFigures:
    filed: int
    disposed: int
    disposed_on_time: int
    closed: int
    closed_on_time: int
    reworked: int
    extended: int
    overdue_now: int
    # The follow-up (回访) of the citizen reports whose items are in the base: answers given,
    # "satisfied" and "partly satisfied" among them.
    answered: int = 0
    satisfied: int = 0
    partly: int = 0
    # Items of the base filed from inspection findings, and the recurrences (复发) among them.
    from_findings: int = 0
    recurred: int = 0
    # Closed over warnings on the after-photos (inspections.plausibility), among `closed`.
    closed_with_photo_warnings: int = 0

    def rate(self, count: int) -> Decimal | None:
        if not self.filed:
            return None
        return round_half_up(Fraction(100 * count, self.filed), 1)

    @property
    def rates(self) -> dict[str, Decimal | None]:
        return {name: self.rate(getattr(self, name)) for name in (
            "disposed", "disposed_on_time", "closed", "closed_on_time", "reworked", "extended")}

    @property
    def photo_warning_rate(self) -> Decimal | None:
        """Of the items closed, the share closed over photo warnings, in %, to 0.1 (half up);
        None when none was closed."""
        if not self.closed:
            return None
        return round_half_up(Fraction(100 * self.closed_with_photo_warnings, self.closed), 1)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """满意率: "satisfied" answers ÷ all answers, in %, to 0.1 (half up); "partly satisfied"
        is not satisfied here and is shown beside it. None when no reporter has answered."""
        if not self.answered:
            return None
        return round_half_up(Fraction(100 * self.satisfied, self.answered), 1)

    @property
    def recurrence_rate(self) -> Decimal | None:
        """复发率: recurrences ÷ items filed from findings, in %, to 0.1 (half up); None when no
        item of the base came from a finding."""
        if not self.from_findings:
            return None
        return round_half_up(Fraction(100 * self.recurred, self.from_findings), 1)


def unit_figures(unit: Unit, month: Month, *, now: dt.datetime | None = None) -> UnitFigures:
    """The unit's (subtree's) figures over the items filed in `month`, voided ones and those
    waiting at the dispatcher (回退, no unit's) left out. "On time" is the scoring rule
    (RectificationQuerySet.with_standing_fix, ON_TIME)."""
    now = now or timezone.now()
    return live.cached(f"unit-figures:{unit.pk}:{unit.path}:{month}", unit.campaign, now,
                       lambda: _count_unit_figures(unit, month, now))


def _count_unit_figures(unit: Unit, month: Month, now: dt.datetime) -> UnitFigures:
    start, end = month.bounds(unit.campaign.time_zone)
    items = Rectification.objects.filter(subtree_q([unit.path], "unit__path"))
    base = items.filter(created_at__gte=start, created_at__lt=end,
                        status__in=RectificationQuerySet.SCORED)
    fixed = Q(status__in=[RectificationStatus.SUBMITTED, RectificationStatus.CLOSED])
    extended = RectificationEvent.objects.filter(rectification=OuterRef("pk"),
                                                 action=EventAction.EXTENDED)
    warned = RectificationEvent.objects.filter(rectification=OuterRef("pk"), action=EventAction.CLOSED,
                                               photo_warnings__gt=0)
    figures = base.with_standing_fix().annotate(
        was_extended=Exists(extended), was_warned=Exists(warned)).aggregate(
        filed=Count("pk"),
        disposed=Count("pk", filter=fixed),
        disposed_on_time=Count("pk", filter=fixed & RectificationQuerySet.ON_TIME),
        closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        closed_on_time=Count("pk", filter=Q(status=RectificationStatus.CLOSED,
                                            closed_at__lte=F("deadline"))),
        reworked=Count("pk", filter=Q(rework_count__gt=0)),
        extended=Count("pk", filter=Q(was_extended=True)),
        from_findings=Count("pk", filter=Q(source=RectificationSource.FINDING)),
        recurred=Count("pk", filter=Q(source=RectificationSource.FINDING,
                                      recurrence_of__isnull=False)),
        closed_with_photo_warnings=Count("pk", filter=Q(status=RectificationStatus.CLOSED,
                                                        was_warned=True)),
    )
    answers = ReportFeedback.objects.filter(report__item__in=base.values("pk")).aggregate(
        answered=Count("pk"),
        satisfied=Count("pk", filter=Q(rating=FeedbackRating.SATISFIED)),
        partly=Count("pk", filter=Q(rating=FeedbackRating.PARTLY)),
    )
    return UnitFigures(**figures, **answers, overdue_now=items.overdue(now).count())
