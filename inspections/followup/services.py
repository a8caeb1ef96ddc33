"""The follow-up's writes and the public page's read. Every write checks the item's state here,
so the views, the admin and the demo cannot bypass it."""

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.enums import UnitKind
from campaign.models import Photo, Unit, User
from campaign.tree import ancestor_ids
from inspections.enums import EventAction, FeedbackRating, RectificationSource, RectificationStatus
from inspections.models import (
    CitizenReport,
    PublishedFix,
    Rectification,
    RectificationEvent,
    ReportFeedback,
)

# The public page shows the reports fixed (items closed) in this many days, newest first, and
# serves their published photos for as long; older ones drop off by themselves.
FIXED_DAYS = 90
FIXED_PAGE_SIZE = 20


class FollowupError(Exception):
    """A follow-up step refused; the message is for the person."""


def is_asked(report: CitizenReport) -> bool:
    """Whether the reporter is asked the follow-up: the report's item is closed (fixed and
    checked). Every report merged into one item is asked, each once."""
    return report.item is not None and report.item.status == RectificationStatus.CLOSED


def refusal(report: CitizenReport) -> str | None:
    """Why the reporter may not answer now (None: they may): the item is not closed yet, or the
    report has its answer already (an answer is final)."""
    if not is_asked(report):
        return _("You can answer once the problem is fixed and the case is closed.")
    if ReportFeedback.objects.filter(report=report).exists():
        return _("You have already answered; an answer cannot be changed.")
    return None


@transaction.atomic
def answer(report: CitizenReport, *, rating: str, comment: str = "",
           now: dt.datetime | None = None) -> ReportFeedback:
    """The reporter's answer: only once the item is closed, and only once."""
    report = CitizenReport.objects.select_for_update().get(pk=report.pk)
    reason = refusal(report)
    if reason:
        raise FollowupError(reason)
    return ReportFeedback.objects.create(report=report, rating=rating, comment=comment.strip(),
                                         answered_at=now or timezone.now())


def waiting(item: Rectification) -> QuerySet[ReportFeedback]:
    """The item's "not satisfied" answers nobody has looked at yet."""
    return ReportFeedback.objects.filter(report__item=item, rating=FeedbackRating.NOT_SATISFIED,
                                         reviewed_at__isnull=True)


@transaction.atomic
def mark_looked_at(item: Rectification, *, by: User, note: str,
                   now: dt.datetime | None = None) -> int:
    """The office looked again at an item its reporters were not satisfied with: each waiting
    answer records who, when and the note (saved one by one, so the audit trail has each), and
    the item leaves the revisit list. The workflow has no step to reopen a closed item: a new
    item is filed if the problem is back. Returns how many answers were marked."""
    note = note.strip()
    if not note:
        raise FollowupError(_("Say what was done."))
    answers = list(waiting(item).select_for_update())
    if not answers:
        raise FollowupError(_("Someone has already looked at this item."))
    for feedback in answers:
        feedback.reviewed_by, feedback.reviewed_at, feedback.review_note = by, now or timezone.now(), note
        feedback.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    return len(answers)


# ---- the public page of fixed reports ----------------------------------------------------

def may_publish(item: Rectification) -> bool:
    """A fix may be shown to the public once the item came from a citizen report and is closed."""
    return (item.source == RectificationSource.CITIZEN_REPORT
            and item.status == RectificationStatus.CLOSED)


def before_photos(item: Rectification) -> QuerySet[Photo]:
    """The photos the item was filed with (a citizen report's go along with it)."""
    return Photo.objects.filter(rectification_events__rectification=item,
                                rectification_events__action=EventAction.FILED).order_by("pk")


def after_photos(item: Rectification) -> QuerySet[Photo]:
    """The photos of the fix that was verified: the last submission's (as the reporter sees)."""
    last = RectificationEvent.objects.filter(
        rectification=item, action=EventAction.SUBMITTED).order_by("-created_at", "-pk")
    return Photo.objects.filter(rectification_events__in=last.values("pk")[:1]).order_by("pk")


@transaction.atomic
def publish(item: Rectification, *, before: Photo, after: Photo, by: User,
            now: dt.datetime | None = None) -> PublishedFix:
    """Show this before- and after-photo of the fixed report on the public page (replacing any
    earlier choice)."""
    item = Rectification.objects.select_for_update().get(pk=item.pk)
    if not may_publish(item):
        raise FollowupError(_("Only a closed item from a citizen report can be published."))
    if not before_photos(item).filter(pk=before.pk).exists() or \
            not after_photos(item).filter(pk=after.pk).exists():
        raise FollowupError(_("Choose one of the item's own before- and after-photos."))
    fix = PublishedFix.objects.filter(item=item).first() or PublishedFix(item=item)
    fix.before, fix.after, fix.published_by = before, after, by
    fix.published_at = now or timezone.now()
    fix.save()
    return fix


@transaction.atomic
def withdraw(item: Rectification) -> bool:
    """Take the fix off the public page; False when it was not on it."""
    fix = PublishedFix.objects.select_for_update().filter(item=item).first()
    if fix is None:
        return False
    fix.delete()
    return True


def recently_fixed(now: dt.datetime, campaign_id: int | None = None) -> QuerySet[PublishedFix]:
    """The published fixes of items closed in the last FIXED_DAYS days, newest first, with the
    category (the criterion's, else the one the first reporter chose) and the unit."""
    fixes = PublishedFix.objects.filter(
        item__status=RectificationStatus.CLOSED, item__source=RectificationSource.CITIZEN_REPORT,
        item__closed_at__gte=now - dt.timedelta(days=FIXED_DAYS))
    if campaign_id is not None:
        fixes = fixes.filter(item__campaign_id=campaign_id)
    reported = CitizenReport.objects.filter(item=OuterRef("item_id"), category__isnull=False)
    return fixes.select_related("item__criterion__category", "item__unit").annotate(
        reported_category=Subquery(reported.order_by("created_at", "pk").values("category__name")[:1]),
    ).order_by("-item__closed_at", "-pk")


def is_public_photo(photo_pk: int, now: dt.datetime) -> bool:
    """Whether the photo is a published before- or after-photo on the public page now."""
    return recently_fixed(now).filter(Q(before_id=photo_pk) | Q(after_id=photo_pk)).exists()


def district_names(units: list[Unit]) -> dict[int, str]:
    """unit id → the name of the district it lies in (itself, if a district), in one query;
    units under no district are left out."""
    ids = {pk for unit in units for pk in ancestor_ids(unit.path)} | {unit.pk for unit in units}
    districts = dict(Unit.objects.filter(pk__in=ids, kind=UnitKind.DISTRICT).values_list("pk", "name"))
    names = {}
    for unit in units:
        found = [districts[pk] for pk in [*ancestor_ids(unit.path), unit.pk] if pk in districts]
        if found:
            names[unit.pk] = found[-1]
    return names
