"""What happens in a campaign: inspection rounds, visits and findings, rectification items with
their append-only history, and citizen reports."""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.enums import DayCount
from inspections.enums import (
    PENDING,
    BulletinStatus,
    CitizenReportStatus,
    EventAction,
    FeedbackRating,
    InspectionMode,
    NoticeAction,
    NoticeStatus,
    RectificationSource,
    RectificationStatus,
    RoundKind,
    SolvingMethod,
)


class RoundQuerySet(models.QuerySet):
    def with_progress(self) -> "RoundQuerySet":
        """Each round's `drawn` points and its `visited` ones (distinct points visited), a
        subquery each: joined together, a sample of thousands times its visits multiplied the
        rows."""
        drawn = (InspectionRound.objects.filter(pk=OuterRef("pk"))
                 .annotate(n=models.Count("points")).values("n"))
        visited = (Inspection.objects.filter(round=OuterRef("pk")).values("round")
                   .annotate(n=models.Count("point", distinct=True)).values("n"))
        return self.annotate(drawn=Coalesce(Subquery(drawn), 0),
                             visited=Coalesce(Subquery(visited), 0))


class InspectionRound(models.Model):
    """An inspection round (旬督查): a random sample of points drawn from a recorded seed,
    hidden from the inspected units until the round ends. A round of kind "mock" is a mock
    evaluation (模拟测评, inspections.mock): its visits count in no monthly score."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="rounds",
        verbose_name=_("campaign"),
    )
    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="rounds",
        verbose_name=_("unit inspected"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=RoundKind.choices,
                            default=RoundKind.ORDINARY, db_index=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    seed = models.BigIntegerField(_("random seed"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    points = models.ManyToManyField(
        "campaign.Point", related_name="rounds", blank=True, verbose_name=_("points drawn")
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")

    def __str__(self) -> str:
        return self.name


class InspectionQuerySet(models.QuerySet):
    def counted(self) -> "InspectionQuerySet":
        """The visits that count in scores, ranks and the figures built on them: all but those
        of a mock evaluation (模拟测评), which is a rehearsal."""
        return self.exclude(round__kind=RoundKind.MOCK)


class Inspection(models.Model):
    """One visit to a point. `unit` is the point's responsible unit at the time of the visit,
    so later re-assignments of the point do not move past scores."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="inspections",
        verbose_name=_("campaign"),
    )
    round = models.ForeignKey(
        InspectionRound, on_delete=models.PROTECT, null=True, blank=True,
        related_name="inspections", verbose_name=_("round"),
    )
    point = models.ForeignKey(
        "campaign.Point", on_delete=models.PROTECT, related_name="inspections",
        verbose_name=_("point"),
    )
    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="inspections",
        verbose_name=_("responsible unit"),
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections",
        verbose_name=_("inspector"),
    )
    mode = models.CharField(_("mode"), max_length=8, choices=InspectionMode.choices)
    visited_at = models.DateTimeField(_("visited at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    # Where the inspector stood (the phone's position, with consent, or typed): the item page
    # shows how far that was from the point.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Written by inspections.services when findings are recorded: the standard may change later,
    # and a month's scores are read from these two numbers without touching findings.
    points_possible = models.DecimalField(_("points possible"), max_digits=7, decimal_places=2)
    points_deducted = models.DecimalField(
        _("points deducted"), max_digits=7, decimal_places=2, default=0
    )
    # Photos of the point taken on the visit (kept whether or not anything was found).
    photos = models.ManyToManyField(
        "campaign.Photo", related_name="inspections", blank=True, verbose_name=_("photos")
    )

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [models.Index(fields=["campaign", "visited_at"], name="inspection_month_idx")]

    def __str__(self) -> str:
        return f"{self.point} · {self.visited_at:%Y-%m-%d}"


class Finding(models.Model):
    """A criterion not met on a visit; it files one rectification item."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="findings",
        verbose_name=_("inspection"),
    )
    criterion = models.ForeignKey(
        "campaign.Criterion", on_delete=models.PROTECT, related_name="findings",
        verbose_name=_("criterion"),
    )
    points = models.DecimalField(_("points deducted"), max_digits=5, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    photos = models.ManyToManyField(
        "campaign.Photo", related_name="findings", blank=True, verbose_name=_("photos")
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.criterion} (−{self.points})"


class CitizenReport(models.Model):
    """A public photo report (随手拍), followed by its tracking code."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="citizen_reports",
        verbose_name=_("campaign"),
    )
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    description = models.TextField(_("description"))
    location = models.CharField(_("location"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    contact = models.CharField(_("contact (optional)"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CitizenReportStatus.choices,
        default=CitizenReportStatus.NEW,
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    photos = models.ManyToManyField(
        "campaign.Photo", related_name="citizen_reports", blank=True, verbose_name=_("photos")
    )
    # What the citizen says the problem is: one of the public categories of the campaign's
    # standard (empty: the citizen did not know, or the report came before categories were asked).
    category = models.ForeignKey(
        "campaign.Category", on_delete=models.PROTECT, null=True, blank=True,
        related_name="citizen_reports", verbose_name=_("category"),
    )
    # The item the report was filed as, or merged into: several reports of one problem follow
    # one item, and each reporter is asked the same follow-up when it closes.
    item = models.ForeignKey(
        "inspections.Rectification", on_delete=models.PROTECT, null=True, blank=True,
        related_name="citizen_reports", verbose_name=_("rectification item"),
    )
    # A keyed hash (never the address itself) of the sender's address, the description and the
    # photos' digests: the same report sent again within minutes is recognised as a repeat
    # (services.report_problem). Empty for reports not sent through the public form.
    repeat_key = models.CharField(_("repeat key"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        indexes = [
            models.Index(fields=["repeat_key", "created_at"], name="report_repeat_idx"),
            # Reports waiting for triage longer than the rules allow (inspections.supervision).
            models.Index(fields=["campaign", "status", "created_at"], name="report_status_created_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_code


# ---- the on-time rule (按期整改), stated once -------------------------------------------------
# An item is on time when the fix that stands was submitted by its deadline (exactly at it
# counts). The fix that stands is the last submission with no return after it: a returned fix
# does not count, the re-submission counts by its own date. Rankings, the drill-down, a unit's
# figures and the tests all use what follows: the two Python functions and, in
# RectificationQuerySet, the same rule as SQL (with_standing_fix, ON_TIME, NOT_ON_TIME).

def standing_fix_at(steps: Iterable[tuple[str, dt.datetime]]) -> dt.datetime | None:
    """When the fix that stands was submitted, from an item's (action, at) steps in the order
    they were recorded; None when no fix stands."""
    fix_at = None
    for action, at in steps:
        if action == EventAction.SUBMITTED:
            fix_at = at
        elif action == EventAction.RETURNED:
            fix_at = None
    return fix_at


def is_on_time(deadline: dt.datetime, fix_at: dt.datetime | None) -> bool:
    """The standing fix came at or before the deadline."""
    return fix_at is not None and fix_at <= deadline


def overdue_q(now: dt.datetime) -> Q:
    """Overdue: pending (waiting for the unit's fix) and past the deadline. The one definition:
    `RectificationQuerySet.overdue`, `Rectification.is_overdue` and counts filtered in SQL."""
    return Q(status__in=PENDING, deadline__lt=now)


def due_soon_q(now: dt.datetime, until: dt.datetime) -> Q:
    """Pending and due in [now, until)."""
    return Q(status__in=PENDING, deadline__gte=now, deadline__lt=until)


class RectificationQuerySet(models.QuerySet):
    """Derived facts live here, never as stored flags."""

    def pending(self):
        """Still waiting for the unit's fix (`inspections.enums.PENDING`)."""
        return self.filter(status__in=PENDING)

    def overdue(self, now: dt.datetime):
        """Past the deadline and no fix submitted."""
        return self.filter(overdue_q(now))

    def due_soon(self, now: dt.datetime, until: dt.datetime):
        return self.filter(due_soon_q(now, until))

    # Counted in an on-time rate: every status but voided and waiting at the dispatcher (listing
    # them, rather than excluding two, lets the database walk the (unit, status, deadline) index).
    SCORED = [
        status for status in RectificationStatus.values
        if status not in (RectificationStatus.VOIDED, RectificationStatus.RETURNED_TO_DISPATCH)
    ]

    def due_between(self, start: dt.datetime, end: dt.datetime):
        """The items of an on-time rate for [start, end): their deadline in force fell in it;
        each is its current unit's. Left out: voided items, and items sent back to the
        dispatcher (回退) that wait now or waited when their deadline fell (the last send-back
        or re-routing at or before the deadline is a send-back): they are no unit's."""
        dispatch = (
            RectificationEvent.objects.filter(
                rectification=OuterRef("pk"),
                action__in=[EventAction.SENT_BACK, EventAction.REROUTED],
                created_at__lte=OuterRef("deadline"),
            )
            .order_by("-created_at", "-pk")
            .values("action")[:1]
        )
        return (
            self.filter(status__in=self.SCORED, deadline__gte=start, deadline__lt=end)
            .annotate(dispatch_at_deadline=Subquery(dispatch))
            .filter(Q(dispatch_at_deadline__isnull=True)
                    | Q(dispatch_at_deadline=EventAction.REROUTED))
        )

    def with_standing_fix(self):
        """Annotate `standing_fix_at` (standing_fix_at() in SQL): the latest submission or
        return, when it is a submission."""
        latest = (
            RectificationEvent.objects.filter(
                rectification=OuterRef("pk"),
                action__in=[EventAction.SUBMITTED, EventAction.RETURNED],
            )
            # At the same instant the later-recorded event wins (a return is recorded after the
            # fix it returns); ordering by the index's own columns keeps this a backward walk.
            .order_by("-created_at", "-pk")
            .annotate(fix_at=Case(When(action=EventAction.SUBMITTED, then=F("created_at"))))
            .values("fix_at")[:1]
        )
        return self.annotate(standing_fix_at=Subquery(latest))

    # is_on_time() over with_standing_fix(); the negation is spelled out because SQL's NULL
    # would make a plain NOT drop the items with no standing fix.
    ON_TIME = Q(standing_fix_at__lte=F("deadline"))
    NOT_ON_TIME = Q(standing_fix_at__isnull=True) | Q(standing_fix_at__gt=F("deadline"))


class Rectification(models.Model):
    """An item handed to a unit to fix by a deadline (整改事项). Its status is written only by
    inspections.workflow; every change appends a RectificationEvent."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    # Always the campaign of `unit` (filed there; re-routed only within it): a scope covering a
    # whole campaign filters on this column (campaign.permissions.campaign_scope_q). Both keys
    # are indexed by the composite indexes below, which they lead.
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="rectifications",
        verbose_name=_("campaign"), db_index=False,
    )
    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="rectifications",
        verbose_name=_("responsible unit"), db_index=False,
    )
    source = models.CharField(_("source"), max_length=16, choices=RectificationSource.choices)
    point = models.ForeignKey(
        "campaign.Point", on_delete=models.PROTECT, null=True, blank=True,
        related_name="rectifications", verbose_name=_("point"),
    )
    criterion = models.ForeignKey(
        "campaign.Criterion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="rectifications", verbose_name=_("criterion"),
    )
    finding = models.OneToOneField(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="rectification",
        verbose_name=_("finding"),
    )
    # The same criterion at the same point closed shortly before this item was filed (复发):
    # set once, when it is filed (inspections.recurrence).
    recurrence_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="recurrences",
        verbose_name=_("recurrence of"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    deadline = models.DateTimeField(_("deadline"))
    # How the deadline in force was counted, shown beside it ("3 个工作日"): N natural or working
    # days from the step that set it. Empty when a person picked the date.
    deadline_days = models.PositiveSmallIntegerField(_("days to the deadline"), null=True,
                                                     blank=True)
    deadline_count = models.CharField(
        _("deadline counted in"), max_length=8, choices=DayCount.choices, blank=True
    )
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    method = models.CharField(
        _("how it was solved"), max_length=12, choices=SolvingMethod.choices, blank=True
    )
    # Bumped by every workflow step: a form loaded before someone else's change is refused.
    version = models.PositiveIntegerField(_("version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("filed by"),
    )
    created_at = models.DateTimeField(_("filed at"))
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        # The lists read one keyset page in the order of a sort (tables.SORTS), filtered by the
        # person's scope: a whole campaign (campaign_id) or a few units (unit_id), perhaps a
        # status. Each index below is such a prefix followed by a sort order, so a page is a walk
        # of one index from the cursor that stops after a page, on SQLite as on PostgreSQL; the
        # plans are checked in tests/inspections/test_list_plans.py.
        indexes = [
            models.Index(fields=["campaign", "created_at", "id"], name="rect_campaign_created_idx"),
            models.Index(fields=["campaign", "deadline", "id"], name="rect_campaign_deadline_idx"),
            models.Index(fields=["campaign", "code"], name="rect_campaign_code_idx"),
            models.Index(fields=["campaign", "status", "id"], name="rect_campaign_status_idx"),
            models.Index(fields=["campaign", "status", "created_at", "id"],
                         name="rect_campaign_status_cr_idx"),
            models.Index(fields=["campaign", "status", "deadline", "id"],
                         name="rect_campaign_status_dl_idx"),
            models.Index(fields=["unit", "created_at", "id"], name="rect_unit_created_idx"),
            # Every item newest first, whatever its campaign: the admin's changelist.
            models.Index(fields=["created_at", "id"], name="rect_created_id_idx"),
            # A unit's pending items by deadline: its overdue and due-soon counts.
            models.Index(fields=["unit", "status", "deadline"], name="rect_unit_status_idx"),
            # Fixes waiting for verification longer than the rules allow (inspections.supervision).
            models.Index(fields=["campaign", "status", "submitted_at"],
                         name="rect_campaign_status_sub_idx"),
            # An exact code in any case (the search box): UPPER(code) = UPPER(typed). The trigram
            # indexes of title and description exist on PostgreSQL only, outside the model's
            # state (migration 0014_search_trgm).
            models.Index(Upper("code"), name="rect_code_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:rectification-detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        """Still waiting for the unit's fix (overdue once past the deadline)."""
        return self.status in PENDING

    def is_overdue(self, now: dt.datetime) -> bool:
        """`overdue_q` for one item: pending and past the deadline."""
        return self.is_pending and self.deadline < now


class ReportFeedback(models.Model):
    """The reporter's answer to the follow-up (回访), asked once the report's item is closed: one
    per report, final once given. "Not satisfied" puts the item on the office's list to look at
    again (/reports/revisits/) until someone marks it looked at, with a note."""

    COMMENT_MAX = 500

    report = models.OneToOneField(
        CitizenReport, on_delete=models.PROTECT, related_name="feedback",
        verbose_name=_("citizen report"),
    )
    rating = models.CharField(_("rating"), max_length=16, choices=FeedbackRating.choices)
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX, blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("looked at by"),
    )
    reviewed_at = models.DateTimeField(_("looked at"), null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=COMMENT_MAX, blank=True)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        verbose_name = _("follow-up answer")
        verbose_name_plural = _("follow-up answers")
        indexes = [
            # The revisit list: "not satisfied" answers nobody has looked at yet.
            models.Index(fields=["rating", "reviewed_at"], name="feedback_rating_reviewed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.rating}"


class PublishedFix(models.Model):
    """A fixed citizen report shown on the public page (/report/fixed/): the before-photo and
    the after-photo the office chose to publish. No other photo of the item is ever public."""

    item = models.OneToOneField(
        Rectification, on_delete=models.PROTECT, related_name="published_fix",
        verbose_name=_("rectification item"),
    )
    before = models.ForeignKey(
        "campaign.Photo", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("before-photo"),
    )
    after = models.ForeignKey(
        "campaign.Photo", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("after-photo"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("published fix")
        verbose_name_plural = _("published fixes")

    def __str__(self) -> str:
        return str(self.item_id)


class RectificationEvent(models.Model):
    """One step in an item's life, append-only: who, when, what, note, photos."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="events",
        verbose_name=_("rectification item"),
    )
    action = models.CharField(_("action"), max_length=16, choices=EventAction.choices)
    from_status = models.CharField(
        _("from"), max_length=24, choices=RectificationStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=24, choices=RectificationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), db_index=True)
    # When the row was written: a visit entered late files its items as of the visit
    # (`created_at`), but supervision must see them as news of the run after this moment.
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    note = models.TextField(_("note"), blank=True)
    # Facts of the step: old and new deadline, old and new unit, the solving method.
    data = models.JSONField(_("details"), default=dict, blank=True)
    # On a close: how many photo warnings (inspections.plausibility) the verifier closed over;
    # the warnings themselves are in `data`. A column so that unit figures count them in SQL.
    photo_warnings = models.PositiveSmallIntegerField(_("photo warnings"), default=0)
    photos = models.ManyToManyField(
        "campaign.Photo", related_name="rectification_events", blank=True,
        verbose_name=_("photos"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")
        indexes = [
            models.Index(fields=["rectification", "created_at"], name="event_item_time_idx"),
            # A supervision run reads the steps recorded since the previous one.
            models.Index(fields=["recorded_at"], name="event_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rectification.code} {self.get_action_display()}"


def take_number(counter: type["CodeSequence | NoticeSequence | BulletinSequence"],
                key: dict[str, Any], make_code: Callable[[int], str],
                taken: Callable[[str], bool]) -> tuple[int, str]:
    """The next number of a counter row (a CodeSequence, NoticeSequence or BulletinSequence, found
    by `key`, created here if missing) whose code `taken` does not already hold, and that code. The
    row stays locked until the calling transaction ends, so two people filing at once never get
    the same number; a number an older counter already gave is skipped."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                counter.objects.get_or_create(**key)
        except IntegrityError:
            pass    # another transaction created it at the same moment: it exists now
        sequence = counter.objects.select_for_update().get(**key)
        code = ""
        while not code or taken(code):
            sequence.last += 1
            code = make_code(sequence.last)
        sequence.save(update_fields=["last"])
    return sequence.last, code


class CodeSequence(models.Model):
    """The last sequence number handed out for a unit and year; the row is locked while a new
    item code is taken, so two inspectors filing at once never get the same code."""

    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("item code sequence")
        verbose_name_plural = _("item code sequences")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="code_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"


# issue 4: monthly scores and the published bulletin
class Bulletin(models.Model):
    """One published revision of a month's rankings for one peer group (the children of
    `parent`). Its MonthlyScore rows are frozen: later edits to findings never change them.
    A correction is a new revision with a reason; the one it replaces stays readable."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="bulletins",
        verbose_name=_("campaign"),
    )
    parent = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="bulletins",
        verbose_name=_("peer group of"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    is_current = models.BooleanField(_("current revision"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BulletinStatus.choices,
        default=BulletinStatus.PUBLISHED,
    )
    reason = models.TextField(_("reason for the correction"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The scoring settings in force when the revision was published.
    inspection_weight = models.DecimalField(_("inspection weight"), max_digits=3, decimal_places=2)
    min_sample = models.PositiveSmallIntegerField(_("minimum visits to be ranked"))
    bottom_n = models.PositiveSmallIntegerField(_("bottom places watched (N)"))
    streak_k = models.PositiveSmallIntegerField(_("months in a row before accountability (K)"))
    recurrence_deduction = models.DecimalField(
        _("points off the monthly score per recurrence"), max_digits=4, decimal_places=2,
        default=Decimal("0.00"),
    )
    # The document number (杏创城〔2026〕8号) given at publication, from the parent's counter of
    # the year (BulletinSequence); a correction is a new document with a number of its own.
    year = models.PositiveSmallIntegerField(_("year of the number"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    code = models.CharField(_("document number"), max_length=40, blank=True)

    class Meta:
        ordering = ["-month", "parent", "-revision"]
        verbose_name = _("monthly bulletin")
        verbose_name_plural = _("monthly bulletins")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "month", "revision"], name="bulletin_revision_unique"
            ),
            # Two coordinators publishing at once: the second insert fails here.
            models.UniqueConstraint(
                fields=["parent", "month"], condition=models.Q(is_current=True),
                name="bulletin_one_current",
            ),
            models.UniqueConstraint(
                fields=["campaign", "code"], condition=~models.Q(code=""),
                name="bulletin_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} {self.month:%Y-%m} #{self.revision}"


class MonthlyScore(models.Model):
    """A unit's frozen figures in one bulletin revision. Decimal columns hold the rounded
    values the bulletin printed (see inspections.rankings.scoring for the rounding)."""

    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.PROTECT, related_name="scores", verbose_name=_("bulletin")
    )
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="monthly_scores",
        verbose_name=_("campaign"),
    )
    month = models.DateField(_("month"))
    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="monthly_scores",
        verbose_name=_("unit"),
    )
    parent = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("peer group of"),
    )
    kind = models.CharField(_("kind"), max_length=24)
    visits = models.PositiveIntegerField(_("visits counted"))
    inspection_score = models.DecimalField(
        _("inspection score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    due = models.PositiveIntegerField(_("items due"))
    on_time = models.PositiveIntegerField(_("items fixed on time"))
    recurrences = models.PositiveIntegerField(_("recurrences"), default=0)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    ranked = models.BooleanField(_("ranked"))
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    previous_rank = models.PositiveSmallIntegerField(_("rank last month"), null=True, blank=True)
    group_size = models.PositiveSmallIntegerField(_("units ranked in the peer group"), default=0)
    in_top = models.BooleanField(_("in the top N"), default=False)
    in_bottom = models.BooleanField(_("in the bottom N"), default=False)
    streak = models.PositiveSmallIntegerField(_("months in the bottom N in a row"), default=0)
    flagged = models.BooleanField(_("flagged for accountability"), default=False)
    # Where the points went (谁丢分), frozen with the figures: visits with their findings and
    # the items that missed their deadline.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["bulletin", "rank", "unit__order", "unit_id"]
        verbose_name = _("monthly score")
        verbose_name_plural = _("monthly scores")
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit"], name="monthly_score_unique")
        ]
        indexes = [models.Index(fields=["unit", "month"], name="monthly_score_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}: {self.score}"


# issue 8: who changed the scoring settings
class ScoringSettingsChange(models.Model):
    """One scoring setting of a campaign changed: who, when, from what to what. Append-only,
    written by inspections.rankings.services.update_scoring_settings (one row per setting changed)."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="scoring_changes",
        verbose_name=_("campaign"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"))
    field = models.CharField(_("setting"), max_length=32)
    old = models.CharField(_("old value"), max_length=16)
    new = models.CharField(_("new value"), max_length=16)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("scoring settings change")
        verbose_name_plural = _("scoring settings changes")
        indexes = [
            models.Index(fields=["campaign", "-changed_at", "-id"], name="scoring_change_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.field}: {self.old} → {self.new}"

    @property
    def field_label(self) -> str:
        campaign_model = self._meta.get_field("campaign").related_model
        assert campaign_model is not None  # a foreign key always has one
        return str(getattr(campaign_model._meta.get_field(self.field), "verbose_name", self.field))


# issue 11: 督办, the supervision rules of a campaign
class SupervisionRules(models.Model):
    """When reminders go out and when an overdue item climbs the ladder, for one campaign; edited
    by coordinators of the campaign's root. A campaign without a row uses the defaults below
    (`for_campaign`). Periods in working days follow campaign.calendar."""

    campaign = models.OneToOneField(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="supervision_rules",
        verbose_name=_("campaign"),
    )
    remind_before_hours = models.PositiveSmallIntegerField(
        _("remind the unit this many hours before a deadline"), default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text=_("0: no reminder before the day."),
    )
    remind_on_day = models.BooleanField(_("remind the unit on the day of the deadline"),
                                        default=True)
    escalate_parent_after = models.PositiveSmallIntegerField(
        _("overdue: tell the coordinators of the unit above after (working days)"), default=1,
        validators=[MaxValueValidator(60)],
    )
    escalate_leaders_after = models.PositiveSmallIntegerField(
        _("overdue: tell the leaders in charge (包联) after (working days)"), default=3,
        validators=[MaxValueValidator(60)],
    )
    verify_after = models.PositiveSmallIntegerField(
        _("fix waiting for verification: remind after (working days)"), default=2,
        validators=[MaxValueValidator(60)],
    )
    reroute_after = models.PositiveSmallIntegerField(
        _("sent back to the dispatcher: remind after (working days)"), default=1,
        validators=[MaxValueValidator(60)],
    )
    triage_after = models.PositiveSmallIntegerField(
        _("citizen report waiting for triage: remind after (working days)"), default=1,
        validators=[MaxValueValidator(60)],
    )
    task_silent_days = models.PositiveSmallIntegerField(
        _("task with no progress reported: remind after (days)"), default=7,
        validators=[MaxValueValidator(90)], help_text=_("0: no such reminder."),
    )
    remind_behind_tasks = models.BooleanField(_("remind about tasks behind schedule"),
                                              default=True)
    remind_rework = models.BooleanField(_("tell the unit when an item is returned for rework"),
                                        default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision rules")
        verbose_name_plural = _("supervision rules")

    def __str__(self) -> str:
        return f"{self.campaign_id}"

    @classmethod
    def for_campaign(cls, campaign) -> "SupervisionRules":
        """The campaign's rules, or the defaults (unsaved) when nobody has changed them."""
        return cls.objects.filter(campaign=campaign).first() or cls(campaign=campaign)


# issue 11: 督办单, the supervision notice
def late_q(now: dt.datetime) -> Q:
    """A notice whose reply is late: still awaited and past its reply date. The one definition:
    `NoticeQuerySet.late`, `Notice.is_late` and the supervision reminders."""
    return Q(status=NoticeStatus.OPEN, reply_by__lt=now)


class NoticeQuerySet(models.QuerySet):
    def late(self, now: dt.datetime):
        return self.filter(late_q(now))


class Notice(models.Model):
    """A numbered supervision notice (督办单, e.g. 杏督〔2026〕12号) from a unit's coordinators to a
    unit below it, about items and tasks, with a reply date. Its status is written only by
    inspections.notices.services; every change appends a NoticeEvent."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="notices",
        verbose_name=_("campaign"), db_index=False,
    )
    issuer = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="notices_issued",
        verbose_name=_("issuing unit"), db_index=False,
    )
    # `unit` (the addressee), as on items, so the scope queries read it the same way.
    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="notices",
        verbose_name=_("addressed to"), db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("notice number"), max_length=40)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    reply_by = models.DateTimeField(_("reply by"))
    # How the reply date was counted (N natural or working days); empty when a date was picked.
    reply_days = models.PositiveSmallIntegerField(_("days to reply"), null=True, blank=True)
    reply_count = models.CharField(
        _("reply date counted in"), max_length=8, choices=DayCount.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rectifications = models.ManyToManyField(
        Rectification, related_name="notices", blank=True, verbose_name=_("rectification items")
    )
    tasks = models.ManyToManyField(
        "campaign.Task", related_name="notices", blank=True, verbose_name=_("tasks")
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="notice_code_unique"),
            models.UniqueConstraint(fields=["issuer", "year", "number"],
                                    name="notice_number_unique"),
        ]
        indexes = [
            # The list, newest first, for a whole campaign, an addressee or an issuer.
            models.Index(fields=["campaign", "issued_at", "id"], name="notice_campaign_issued_idx"),
            models.Index(fields=["unit", "issued_at", "id"], name="notice_unit_issued_idx"),
            models.Index(fields=["issuer", "issued_at", "id"], name="notice_issuer_issued_idx"),
            # Supervision: a campaign's open notices by reply date (one range per run).
            models.Index(fields=["campaign", "status", "reply_by"], name="notice_status_reply_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:notice-detail", args=[self.pk])

    def is_late(self, now: dt.datetime) -> bool:
        """`late_q` for one notice."""
        return self.status == NoticeStatus.OPEN and self.reply_by < now


class NoticeReply(models.Model):
    """What the addressed unit answered, with photos (stored as the unit's, so they are seen by
    whoever sees the unit)."""

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="replies", verbose_name=_("notice")
    )
    text = models.TextField(_("reply"))
    photos = models.ManyToManyField(
        "campaign.Photo", related_name="notice_replies", blank=True, verbose_name=_("photos")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("replied by"),
    )
    at = models.DateTimeField(_("replied at"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("notice reply")
        verbose_name_plural = _("notice replies")
        indexes = [models.Index(fields=["notice", "at"], name="notice_reply_time_idx")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.at:%Y-%m-%d}"


class NoticeEvent(models.Model):
    """One step in a notice's life, append-only: issued, replied, reply not accepted (with the
    reason and the new reply date), closed."""

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="events", verbose_name=_("notice")
    )
    action = models.CharField(_("action"), max_length=8, choices=NoticeAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    # Facts of the step: the old and new reply date of a returned reply.
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")
        indexes = [models.Index(fields=["notice", "at"], name="notice_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.action}"


class YearSequence(models.Model):
    """The last number an issuing unit gave in a year; the row is locked while a number is taken
    (as CodeSequence for item codes), so two documents of a kind never share a number."""

    issuer = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issuing unit"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.issuer_id}/{self.year}: {self.last}"


class NoticeSequence(YearSequence):
    """The supervision notices' numbers."""

    class Meta:
        verbose_name = _("notice number sequence")
        verbose_name_plural = _("notice number sequences")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year"], name="notice_sequence_unique")
        ]


class BulletinSequence(YearSequence):
    """The bulletins' numbers (a unit's bulletins about the units below it)."""

    class Meta:
        verbose_name = _("bulletin number sequence")
        verbose_name_plural = _("bulletin number sequences")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year"], name="bulletin_sequence_unique")
        ]


class SupervisionRun(models.Model):
    """One run of `manage.py supervise` over one campaign: when, and how many reminders of each
    kind it recorded. The next run looks only at what happened since this one started (less a
    margin), so a run costs what changed, not what exists."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="supervision_runs",
        verbose_name=_("campaign"),
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    # {kind: notifications recorded}, every producer's kind present (0 when none).
    counts = models.JSONField(_("notifications recorded"), default=dict)
    # Years counted Monday to Friday because the calendar does not know their holidays.
    guessed_years = models.JSONField(_("years counted Monday to Friday"), default=list)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("supervision run")
        verbose_name_plural = _("supervision runs")
        indexes = [
            models.Index(fields=["campaign", "-started_at"], name="supervision_run_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())
