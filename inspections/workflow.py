"""The rectification item's life: the only code that writes `Rectification.status`.

Every step locks the row, checks the version the person's form was loaded with, checks that the
step is legal from the current status and that the person may take it, changes the item and
appends one RectificationEvent. A refused step raises TransitionError and changes nothing.

`STEPS` (at the end, below the functions it names) is the registry of the steps: slug, label,
form, legal moves, predicate, function and separation of duties, one entry each.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.calendar import Period
from campaign.models import Criterion, Photo, Point, Unit, User
from inspections import permissions, plausibility, recurrence
from inspections.enums import PENDING, RectificationSource, SolvingMethod
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.models import (
    CitizenReport,
    CodeSequence,
    Finding,
    Rectification,
    RectificationEvent,
    take_number,
)


class TransitionError(Exception):
    """A step refused; the message is for the person who tried it."""


class StaleVersionError(TransitionError):
    """Someone changed the item after the person's page was loaded."""


@dataclass(frozen=True)
class Duty:
    """Separation of duties on a step: whoever `conflict` names is refused even with the role,
    with `message` (taking the item's code) rather than the plain "you may not"."""

    role: Callable[[User, Rectification], bool]        # the right without the separation
    conflict: Callable[[User, Rectification], bool]
    message: Promise


@dataclass(frozen=True)
class Step:
    """One step of an item's life: everything else about it (its URL, its button and form on
    the item page, the server's check, its refusal messages) derives from this entry."""

    action: str                 # the EventAction it records; the key of STEPS
    slug: str                   # /items/<pk>/<slug>/
    label: Promise              # the button and the heading of its form
    sources: frozenset[str]     # the statuses it may start from
    target: str | None          # None: the status stays (a deadline extension)
    may: Callable[[User, Rectification], bool]   # the permissions predicate
    run: Callable[..., Rectification]            # the function below that takes it
    # The form's dotted path: forms sit above the workflow in the import layers, so the
    # registry names its form and the view imports it (tests resolve every one).
    form: str
    duty: Duty | None = None


def allowed(item: Rectification, action: str) -> bool:
    return item.status in STEPS[action].sources


def available_actions(user: User, item: Rectification) -> set[str]:
    """The steps this person may take on the item now: what the page offers as buttons."""
    return {action for action, step in STEPS.items() if allowed(item, action) and step.may(user, item)}


def duty_refusal(user: User, item: Rectification, action: str) -> str | None:
    """Why the person, who holds the step's role, is still refused it by separation of duties
    (None when that is not the reason)."""
    duty = STEPS[action].duty
    if duty is None or not (duty.role(user, item) and duty.conflict(user, item)):
        return None
    return duty.message % {"code": item.code}


def duty_refusals(user: User, item: Rectification) -> list[str]:
    """The separation-of-duties refusals of the steps legal now: said on the item page."""
    return [message for action in STEPS if allowed(item, action)
            if (message := duty_refusal(user, item, action))]


def _lock(item: Rectification, version: int | None) -> Rectification:
    locked = Rectification.objects.select_for_update().select_related("unit").get(pk=item.pk)
    if version is not None and locked.version != version:
        raise StaleVersionError(_(
            "Item %(code)s was changed meanwhile by someone else. Nothing was saved: look at "
            "its latest state and try again."
        ) % {"code": locked.code})
    return locked


def refusal(user: User, item: Rectification, action: str) -> str | None:
    """Why the person cannot take the step on the item as it stands (None: they can): not legal
    from its status, separation of duties, or no right. What a step checks once the row is
    locked, and what the item page says when a step sent from an older page is no longer
    possible."""
    if not allowed(item, action):
        return _(
            "Item %(code)s is “%(status)s”: “%(action)s” is not possible from there."
        ) % {"code": item.code, "status": item.get_status_display(), "action": A(action).label}
    duty = STEPS[action].duty
    if duty is not None and duty.conflict(user, item):
        return duty.message % {"code": item.code}
    if not STEPS[action].may(user, item):
        return _("You may not do “%(action)s” on item %(code)s.") % {
            "action": A(action).label, "code": item.code}
    return None


def _step(item: Rectification, action: str, *, by: User, version: int | None) -> Rectification:
    """Lock, check version, legality, separation of duties and the right; returns the locked
    row."""
    item = _lock(item, version)
    if message := refusal(by, item, action):
        raise TransitionError(message)
    return item


def _record(
    item: Rectification, action: str, *, by: User, from_status: str, note: str = "",
    data: dict | None = None, photos: Sequence[Photo] = (), at: dt.datetime | None = None,
    photo_warnings: int = 0,
) -> RectificationEvent:
    event = RectificationEvent.objects.create(
        rectification=item, action=action, from_status=from_status, to_status=item.status,
        actor=by, created_at=at or timezone.now(), note=note, data=data or {},
        photo_warnings=photo_warnings,
    )
    if photos:
        event.photos.set(photos)
    return event


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise TransitionError(message)
    return text


def _set_deadline(item: Rectification, deadline: dt.datetime, period: Period | None) -> dict:
    """Every step that sets a deadline records how it was counted beside it (empty when a person
    picked the date); returns the old and new deadline (and the count) for the event."""
    old, item.deadline = item.deadline, deadline
    item.deadline_days = period.days if period else None
    item.deadline_count = period.count if period else ""
    data: dict = {"old_deadline": old.isoformat(), "new_deadline": deadline.isoformat()}
    if period:
        data.update(deadline_days=period.days, deadline_count=period.count)
    return data


DEADLINE_FIELDS = ("deadline", "deadline_days", "deadline_count")


def _hand_over_deadline(
    item: Rectification, deadline: dt.datetime | None, at: dt.datetime,
    period: Period | None = None,
) -> dict:
    """A unit never receives an item already overdue: a re-route or a return keeps the
    current deadline only while it has not passed, else takes a new one that has not. Sets
    `item.deadline` (and how it was counted, `period`); returns the old and new deadline for
    the event when it changed."""
    if deadline is None:
        if item.deadline < at:
            raise TransitionError(_(
                "The deadline of %(code)s has passed: give the unit a new deadline."
            ) % {"code": item.code})
        return {}
    if deadline < at:
        raise TransitionError(_("The new deadline is in the past: give the unit a deadline "
                                "it can still meet."))
    if deadline == item.deadline:
        return {}
    return _set_deadline(item, deadline, period)


def _save(item: Rectification, *fields: str) -> None:
    item.version = F("version") + 1
    item.save(update_fields=["status", "version", *fields])
    item.refresh_from_db(fields=["version"])


def next_code(unit: Unit, year: int) -> str:
    """`<unit code>-<year>-<4-digit sequence>`, e.g. XHL-JH-2019-0042; the counter row is locked.

    Unit codes are unique only within a campaign while item codes are unique everywhere: units
    of different campaigns with the same code share one counter (the row of the first such
    unit), so their items never get the same code."""
    owner = Unit.objects.filter(code=unit.code).order_by("pk").first() or unit
    return take_number(CodeSequence, {"unit": owner, "year": year},
                       lambda number: f"{unit.code}-{year}-{number:04d}",
                       lambda code: Rectification.objects.filter(code=code).exists())[1]


@transaction.atomic
def file_rectification(
    *, unit: Unit, title: str, deadline: dt.datetime, by: User, description: str = "",
    point: Point | None = None, criterion: Criterion | None = None,
    finding: Finding | None = None, citizen_report: CitizenReport | None = None,
    photos: Sequence[Photo] = (), at: dt.datetime | None = None, period: Period | None = None,
) -> Rectification:
    """File (立案) an item for a unit with a deadline; `period`: how it was counted (None: a
    person picked it). An item at a point with a criterion closed there shortly before is
    flagged as a recurrence of that item (inspections.recurrence), and its FILED event says so."""
    if not permissions.can_file(by, unit):
        raise TransitionError(_("You may not file items for %(unit)s.") % {"unit": unit})
    at = at or timezone.now()
    if deadline < at:
        raise TransitionError(_("The deadline cannot be before the time the item is filed."))
    source = (
        RectificationSource.FINDING if finding else
        RectificationSource.CITIZEN_REPORT if citizen_report else RectificationSource.STANDALONE
    )
    item = Rectification.objects.create(
        code=next_code(unit, timezone.localtime(at).year), campaign=unit.campaign, unit=unit,
        source=source, point=point, criterion=criterion, finding=finding,
        recurrence_of=recurrence.earlier_item(unit.campaign, point, criterion, at),
        title=_require(title, _("Give the item a title.")),
        description=description, status=S.OPEN, deadline=deadline, created_by=by, created_at=at,
        deadline_days=period.days if period else None,
        deadline_count=period.count if period else "",
    )
    data: dict = {"deadline": deadline.isoformat(), "unit": unit.pk}
    if period:
        data.update(deadline_days=period.days, deadline_count=period.count)
    if item.recurrence_of is not None:
        data.update(recurrence_of=item.recurrence_of.pk, recurrence_of_code=item.recurrence_of.code)
    _record(item, A.FILED, by=by, from_status="", photos=photos, at=at, data=data)
    if citizen_report is not None:
        citizen_report.item = item
        citizen_report.save(update_fields=["item"])
    return item


@transaction.atomic
def acknowledge(
    item: Rectification, *, by: User, version: int | None, note: str = "",
    at: dt.datetime | None = None,
) -> Rectification:
    """The unit takes the item on (签收)."""
    item = _step(item, A.ACKNOWLEDGED, by=by, version=version)
    before, item.status = item.status, S.ACKNOWLEDGED
    _save(item)
    _record(item, A.ACKNOWLEDGED, by=by, from_status=before, note=note, at=at)
    return item


@transaction.atomic
def send_back(
    item: Rectification, *, by: User, version: int | None, reason: str,
    at: dt.datetime | None = None,
) -> Rectification:
    """The unit is not responsible: back to the dispatcher with a reason (回退)."""
    reason = _require(reason, _("Say why the item is not your unit's."))
    item = _step(item, A.SENT_BACK, by=by, version=version)
    before, item.status = item.status, S.RETURNED_TO_DISPATCH
    _save(item)
    _record(item, A.SENT_BACK, by=by, from_status=before, note=reason, at=at)
    return item


@transaction.atomic
def reroute(
    item: Rectification, *, by: User, version: int | None, to_unit: Unit, note: str = "",
    deadline: dt.datetime | None = None, at: dt.datetime | None = None,
    period: Period | None = None,
) -> Rectification:
    """A coordinator hands the item to another unit of their scope that answers for places
    (not a command or an office), with a reason; it starts again as open, with `deadline`
    (None: the current one, refused once it has passed)."""
    item = _step(item, A.REROUTED, by=by, version=version)
    if to_unit.pk == item.unit_id:
        raise TransitionError(_("The item is already with %(unit)s.") % {"unit": to_unit})
    targets = permissions.reroute_targets(by, item)
    if not targets.filter(pk=to_unit.pk).exists():
        raise TransitionError(_("You may not hand items to %(unit)s.") % {"unit": to_unit})
    note = _require(note, _("Say why the item goes to another unit."))
    at = at or timezone.now()
    deadlines = _hand_over_deadline(item, deadline, at, period)
    before, old_unit = item.status, item.unit
    item.status, item.unit = S.OPEN, to_unit
    _save(item, "unit", *DEADLINE_FIELDS)
    _record(item, A.REROUTED, by=by, from_status=before, note=note,
            data={"from_unit": old_unit.pk, "to_unit": to_unit.pk,
                  "from_unit_name": old_unit.name, "to_unit_name": to_unit.name, **deadlines},
            at=at)
    return item


@transaction.atomic
def submit(
    item: Rectification, *, by: User, version: int | None, photos: Sequence[Photo], note: str = "",
    at: dt.datetime | None = None,
) -> Rectification:
    """The unit says it is fixed and shows the after-photos."""
    item = _step(item, A.SUBMITTED, by=by, version=version)
    if not photos:
        raise TransitionError(_("Add at least one photo showing the fix."))
    at = at or timezone.now()
    before, item.status, item.submitted_at = item.status, S.SUBMITTED, at
    _save(item, "submitted_at")
    _record(item, A.SUBMITTED, by=by, from_status=before, note=note.strip(), photos=photos, at=at)
    return item


@transaction.atomic
def close(
    item: Rectification, *, by: User, version: int | None, method: str, note: str = "",
    at: dt.datetime | None = None, refuse_photo_warnings: bool = False,
) -> Rectification:
    """Verified (核查结案), recording how it was solved (the 721 method) and the warnings on the
    after-photos (inspections.plausibility) the verifier was shown and closed over. Where they
    were not shown (a bulk close), `refuse_photo_warnings` refuses an item that has any."""
    if method not in SolvingMethod.values:
        raise TransitionError(_("Choose how the problem was solved: service, management or "
                                "enforcement."))
    item = _step(item, A.CLOSED, by=by, version=version)
    checked = plausibility.check_after_photos(item)
    warnings = checked.warnings if checked else []
    if warnings and refuse_photo_warnings:
        raise TransitionError(_(
            "Item %(code)s: its after-photos carry warnings (time or place). Check them on the "
            "item's page and close it there.") % {"code": item.code})
    at = at or timezone.now()
    before, item.status, item.method, item.closed_at = item.status, S.CLOSED, method, at
    _save(item, "method", "closed_at")
    data: dict = {"method": method}
    if warnings:
        data["photo_warnings"] = warnings
    _record(item, A.CLOSED, by=by, from_status=before, note=note.strip(),
            data=data, at=at, photo_warnings=len(warnings))
    return item


@transaction.atomic
def return_for_rework(
    item: Rectification, *, by: User, version: int | None, reason: str,
    deadline: dt.datetime | None = None, at: dt.datetime | None = None,
    period: Period | None = None,
) -> Rectification:
    """Not fixed (核查不通过): back to the unit, one more rework, with `deadline` (None: the
    current one, refused once it has passed)."""
    reason = _require(reason, _("Say what is still wrong."))
    item = _step(item, A.RETURNED, by=by, version=version)
    at = at or timezone.now()
    deadlines = _hand_over_deadline(item, deadline, at, period)
    before, item.status = item.status, S.REWORK
    item.rework_count += 1
    _save(item, "rework_count", *DEADLINE_FIELDS)
    _record(item, A.RETURNED, by=by, from_status=before, note=reason,
            data={"rework_count": item.rework_count, **deadlines}, at=at)
    return item


@transaction.atomic
def extend_deadline(
    item: Rectification, *, by: User, version: int | None, deadline: dt.datetime, reason: str,
    at: dt.datetime | None = None, period: Period | None = None,
) -> Rectification:
    """A coordinator grants more time (延期); the old and new deadline are kept, and how the
    new one was counted (`period`, None: picked)."""
    reason = _require(reason, _("Say why the deadline is extended."))
    item = _step(item, A.EXTENDED, by=by, version=version)
    if deadline <= item.deadline:
        raise TransitionError(_("The new deadline must be later than the current one."))
    deadlines = _set_deadline(item, deadline, period)
    _save(item, *DEADLINE_FIELDS)
    _record(item, A.EXTENDED, by=by, from_status=item.status, note=reason, data=deadlines, at=at)
    return item


@transaction.atomic
def void(
    item: Rectification, *, by: User, version: int | None, reason: str,
    at: dt.datetime | None = None,
) -> Rectification:
    """Not a real problem (不属实): the item stays, voided, with the reason."""
    reason = _require(reason, _("Say why the item is voided."))
    item = _step(item, A.VOIDED, by=by, version=version)
    before, item.status = item.status, S.VOIDED
    _save(item)
    _record(item, A.VOIDED, by=by, from_status=before, note=reason, at=at)
    return item


# Items a citizen report may still join: not finished with (a closed or voided item's problem,
# reported again, is a new problem).
MERGEABLE = frozenset({*PENDING, S.RETURNED_TO_DISPATCH, S.SUBMITTED})


@transaction.atomic
def merge_report(item: Rectification, report: CitizenReport, *, by: User,
                 at: dt.datetime | None = None) -> Rectification:
    """A citizen report of the item's problem follows the item from now on (its reporter is
    asked the item's follow-up): one MERGED event names it. The item's state and version stay.
    The caller locks and checks the report (inspections.triage)."""
    item = Rectification.objects.select_for_update().get(pk=item.pk)
    if item.status not in MERGEABLE:
        raise TransitionError(_(
            "Item %(code)s is “%(status)s”: a report can no longer join it."
        ) % {"code": item.code, "status": item.get_status_display()})
    report.item = item
    report.save(update_fields=["item"])
    # The report by its id only: its tracking code opens the public tracking page, and the
    # item page is read by the unit's staff.
    _record(item, A.MERGED, by=by, from_status=item.status, at=at, data={"report": report.pk})
    return item


# Extending and voiding are open to a coordinator from every status not yet done with, the
# dispatcher's (回退) included; a submitted fix can still be voided, not extended.
UNFINISHED = frozenset({*PENDING, S.RETURNED_TO_DISPATCH})

# The registry, in the order the item page offers the steps.
STEPS: dict[str, Step] = {step.action: step for step in (
    Step(A.ACKNOWLEDGED, "acknowledge", gettext_lazy("Acknowledge"),
         frozenset({S.OPEN}), S.ACKNOWLEDGED,
         permissions.can_acknowledge, acknowledge, "inspections.forms.AcknowledgeForm"),
    Step(A.SENT_BACK, "send-back", gettext_lazy("Send back to dispatcher"),
         frozenset({S.OPEN, S.ACKNOWLEDGED}), S.RETURNED_TO_DISPATCH,
         permissions.can_send_back, send_back, "inspections.forms.SendBackForm"),
    Step(A.SUBMITTED, "submit", gettext_lazy("Submit the fix"),
         frozenset({S.OPEN, S.ACKNOWLEDGED, S.REWORK}), S.SUBMITTED,
         permissions.can_submit, submit, "inspections.forms.SubmitForm"),
    Step(A.CLOSED, "close", gettext_lazy("Verify and close"),
         frozenset({S.SUBMITTED}), S.CLOSED,
         permissions.can_close, close, "inspections.forms.CloseForm",
         duty=Duty(permissions.can_verify, permissions.has_submitted, gettext_lazy(
             "You submitted the fix for %(code)s: someone else must verify and close it."))),
    Step(A.RETURNED, "return", gettext_lazy("Return for rework"),
         frozenset({S.SUBMITTED}), S.REWORK,
         permissions.can_return, return_for_rework, "inspections.forms.ReturnForm"),
    Step(A.EXTENDED, "extend", gettext_lazy("Extend the deadline"),
         UNFINISHED, None,
         permissions.can_extend, extend_deadline, "inspections.forms.ExtendForm"),
    Step(A.REROUTED, "reroute", gettext_lazy("Re-route to another unit"),
         frozenset({S.OPEN, S.ACKNOWLEDGED, S.RETURNED_TO_DISPATCH}), S.OPEN,
         permissions.can_reroute, reroute, "inspections.forms.RerouteForm"),
    Step(A.VOIDED, "void", gettext_lazy("Void (not a real problem)"),
         UNFINISHED | {S.SUBMITTED}, S.VOIDED,
         permissions.can_void, void, "inspections.forms.VoidForm"),
)}

# The status table as people read it: from each status, where an item can go.
STATUS_TABLE: dict[str, set[str]] = {
    status: {step.target or status for step in STEPS.values() if status in step.sources}
    for status in S.values
}
