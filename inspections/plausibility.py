"""Whether an item's after-photos fit it: the one place that states the rule.

The after-photos are those of the item's latest submission (提交整改). A photo carries, read from
its EXIF before it was stripped (campaign.photos), the time it was taken and where. It is flagged
when it was taken before the problem was known (`found_at`: the item's filing, or the earliest
citizen report filed as or merged into it when that came first), after the fix was submitted, or
further than the campaign's `photo_distance_m` from the item's point. A photo with no time (or
no place) recorded cannot be checked on that count and is only marked so; a point without
coordinates gives no distance check at all.

Boundaries: a photo taken within CLOCK_TOLERANCE of either end is fine (taken exactly at filing
is fine); the distance is compared in whole metres, as it is shown, so exactly R metres is fine
and R + 1 warns.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campaign import geo
from campaign.models import Photo
from inspections.enums import EventAction, PhotoWarning
from inspections.models import CitizenReport, Rectification, RectificationEvent

# EXIF keeps whole seconds and a phone's clock is set from the network: half a minute either
# way is the phone's clock or the rounding, not a photo from another day.
CLOCK_TOLERANCE = dt.timedelta(seconds=30)


def _missing(photo: Photo) -> tuple[bool, bool]:
    """Whether the photo's EXIF gave no time, and no place."""
    return photo.taken_at is None, photo.latitude is None or photo.longitude is None


@dataclass(frozen=True)
class Found:
    """When the problem was known: `at`, and whether that is a citizen's report (`reported`)
    rather than the item's filing."""

    at: dt.datetime
    reported: bool


def found_at(item: Rectification, *, until: dt.datetime | None = None) -> Found:
    """The moment before which an after-photo cannot show the fix: the item's filing, or the
    earliest citizen report (随手拍) filed as or merged into the item when that came first. An
    item filed from a report is created when the office triages it, maybe days after the
    citizen sent it; a street that fixed the problem in between is not to be warned.

    Only reports taken in by `until` (the fix's submission) count: one merged later cannot clear
    a warning the verifier was shown. For a recurrence, a report sent before the earlier item
    was closed was about that problem, not this one. One query."""
    reports = CitizenReport.objects.filter(item=item).filter(
        Q(item__recurrence_of__isnull=True)
        | Q(created_at__gt=F("item__recurrence_of__closed_at")))
    if until is not None:
        reports = reports.filter(Q(triaged_at__isnull=True) | Q(triaged_at__lte=until))
    reported = reports.order_by().aggregate(first=Min("created_at"))["first"]
    if reported is not None and reported < item.created_at:
        return Found(reported, reported=True)
    return Found(item.created_at, reported=False)


@dataclass(frozen=True)
class PhotoCheck:
    """One after-photo checked: `number` is its place among the submission's photos (from 1),
    `metres` its whole-metre distance from the point (None when either has no position);
    `after_submission` only where there is a submission time."""

    photo: Photo
    number: int
    before_filing: bool
    after_submission: bool
    metres: int | None
    too_far: bool

    @property
    def warned(self) -> bool:
        return self.before_filing or self.after_submission or self.too_far

    @property
    def no_time(self) -> bool:
        return _missing(self.photo)[0]

    @property
    def no_place(self) -> bool:
        return _missing(self.photo)[1]


@dataclass(frozen=True)
class Plausibility:
    found: Found
    submitted_at: dt.datetime | None
    limit_m: int
    point_located: bool            # False: the point has no coordinates, no distance is checked
    photos: list[PhotoCheck]

    @property
    def warnings(self) -> list[dict]:
        """The problems as the close event records them: code and values, JSON-ready."""
        found: list[dict] = []
        for check in self.photos:
            base = {"photo": check.photo.pk, "n": check.number}
            taken = check.photo.taken_at.isoformat() if check.photo.taken_at else None
            if check.before_filing:
                # A warning against a citizen's report names it "reported_at" (describe says so).
                moment = "reported_at" if self.found.reported else "filed_at"
                found.append({**base, "code": PhotoWarning.BEFORE_FILING.value, "taken_at": taken,
                              moment: self.found.at.isoformat()})
            if check.after_submission:
                found.append({**base, "code": PhotoWarning.AFTER_SUBMISSION.value, "taken_at": taken,
                              "submitted_at": self.submitted_at and self.submitted_at.isoformat()})
            if check.too_far:
                found.append({**base, "code": PhotoWarning.FAR.value, "metres": check.metres,
                              "limit": self.limit_m})
        return found

    @property
    def warned(self) -> list[PhotoCheck]:
        """The photos with at least one warning, in their order (the box shows them)."""
        return [check for check in self.photos if check.warned]

    @property
    def unmarked(self) -> list[PhotoCheck]:
        """The photos with no time or no place recorded."""
        return [check for check in self.photos if check.no_time or check.no_place]


def check_photos(
    item: Rectification, photos: Sequence[Photo], *, submitted_at: dt.datetime | None,
    found: Found,
) -> Plausibility:
    """The rule over given photos (pure: reads only the item, its point and campaign;
    `found`: found_at(item))."""
    point, limit = item.point, item.campaign.photo_distance_m
    place = None
    if point is not None and point.latitude is not None and point.longitude is not None:
        place = (point.latitude, point.longitude)
    checks = []
    for number, photo in enumerate(photos, start=1):
        taken = photo.taken_at
        metres = None
        if place is not None and photo.latitude is not None and photo.longitude is not None:
            metres = round(geo.distance_m(photo.latitude, photo.longitude, *place))
        checks.append(PhotoCheck(
            photo=photo, number=number,
            before_filing=taken is not None and taken < found.at - CLOCK_TOLERANCE,
            after_submission=(taken is not None and submitted_at is not None
                              and taken > submitted_at + CLOCK_TOLERANCE),
            metres=metres, too_far=metres is not None and metres > limit,
        ))
    return Plausibility(found=found, submitted_at=submitted_at, limit_m=limit,
                        point_located=place is not None, photos=checks)


def check_after_photos(
    item: Rectification, events: Sequence[RectificationEvent] | None = None,
) -> Plausibility | None:
    """The photos of the item's latest submission checked; None when it has none. `events`: the
    item's events in order with their photos prefetched (the item page has them), else two
    queries; found_at adds one. The photos are numbered in their stored order (Photo.Meta), as
    the timeline shows them."""
    if events is None:
        submission = item.events.filter(action=EventAction.SUBMITTED).order_by(
            "-created_at", "-pk").first()
    else:
        submission = next((e for e in reversed(events) if e.action == EventAction.SUBMITTED), None)
    if submission is None:
        return None
    return check_photos(item, list(submission.photos.all()), submitted_at=submission.created_at,
                        found=found_at(item, until=submission.created_at))


def unrecorded(photo: Photo) -> str:
    """The mark for a photo whose EXIF gave no time or no place ("" when it gave both)."""
    no_time, no_place = _missing(photo)
    if no_time and no_place:
        return _("No time/place recorded")
    if no_time:
        return _("No time recorded")
    if no_place:
        return _("No place recorded")
    return ""


def _moment(value: str | None) -> str:
    """A recorded moment as "Y-m-d H:i", kept on one line (a phone broke it at the hyphen)."""
    if not value:
        return "—"
    return format_html('<span class="text-nowrap">{}</span>', date_format(
        timezone.localtime(dt.datetime.fromisoformat(value)), "Y-m-d H:i"))


def _words(text: str, values: dict) -> SafeString:
    return mark_safe(conditional_escape(text) % {   # noqa: S308 - every part escaped here
        name: conditional_escape(value) for name, value in values.items()})


def describe(warning: dict) -> SafeString:
    """A recorded warning (Plausibility.warnings) in words, for the item page and the timeline
    (HTML: its moments do not break across lines)."""
    code, number = warning.get("code"), warning.get("n")
    if code == PhotoWarning.BEFORE_FILING and warning.get("reported_at"):
        return _words(_("Photo %(n)s was taken before the problem was reported (taken %(taken)s; "
                        "reported %(reported)s)"), {
            "n": number, "taken": _moment(warning.get("taken_at")),
            "reported": _moment(warning.get("reported_at"))})
    if code == PhotoWarning.BEFORE_FILING:
        return _words(_("Photo %(n)s was taken before the item was filed (taken %(taken)s; filed "
                        "%(filed)s)"), {
            "n": number, "taken": _moment(warning.get("taken_at")),
            "filed": _moment(warning.get("filed_at"))})
    if code == PhotoWarning.AFTER_SUBMISSION:
        return _words(_("Photo %(n)s was taken after the fix was submitted (taken %(taken)s; "
                        "submitted %(submitted)s)"), {
            "n": number, "taken": _moment(warning.get("taken_at")),
            "submitted": _moment(warning.get("submitted_at"))})
    if code == PhotoWarning.FAR:
        return _words(_("Photo %(n)s was taken %(metres)s m from the point (%(limit)s m allowed)"), {
            "n": number, "metres": warning.get("metres"), "limit": warning.get("limit")})
    return _words("%(code)s", {"code": code})
