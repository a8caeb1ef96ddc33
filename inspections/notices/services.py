"""The supervision notice's life: issue, reply, return the reply (not accepted), close. The only
code that writes `Notice.status`; each step locks the notice, appends a NoticeEvent and, where
someone must act, tells them (campaign.notifications)."""

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.calendar import UnknownYear, WorkingCalendar, campaign_zone
from campaign.documents.numbers import document_code, notice_prefix
from campaign.enums import Role
from campaign.models import Campaign, Task, Unit, User
from campaign.notifications.enums import NotificationKind
from campaign.notifications.services import Message, notify
from campaign.people import People
from campaign.tasks.permissions import visible_tasks
from inspections.enums import NoticeAction, NoticeStatus
from inspections.models import Notice, NoticeEvent, NoticeReply, NoticeSequence, Rectification
from inspections.models import take_number as take_counter
from inspections.notices import permissions
from inspections.permissions import visible_rectifications
from inspections.services import forget_photos, store_photos

MAX_ITEMS = 50
MAX_TASKS = 20
MAX_PHOTOS = 9
MAX_REPLY_AHEAD = dt.timedelta(days=365)

# Which step may be taken from which status (the buttons and the services read this).
STEPS: dict[str, tuple[str, ...]] = {
    NoticeAction.REPLIED: (NoticeStatus.OPEN,),
    NoticeAction.RETURNED: (NoticeStatus.REPLIED,),
    NoticeAction.CLOSED: (NoticeStatus.OPEN, NoticeStatus.REPLIED),
}


class NoticeError(Exception):
    """A notice or a step refused; the message is for the person who tried it."""


# ---- numbers ------------------------------------------------------------------------------

def take_number(issuer: Unit, year: int) -> tuple[int, str]:
    """The issuing unit's next number of the year and the notice's code; the counter row is
    locked until the calling transaction ends. Two units whose prefixes read the same (甲区 and
    甲街道 both give 甲督 by default) never give the same code: a number the other already used
    is skipped, so the codes of a prefix run on without a repeat."""
    prefix = notice_prefix(issuer)
    return take_counter(
        NoticeSequence, {"issuer": issuer, "year": year},
        lambda number: document_code(prefix, year, number),
        lambda code: Notice.objects.filter(campaign_id=issuer.campaign_id, code=code).exists())


# ---- the reply date -----------------------------------------------------------------------

def reply_date(campaign: Campaign, now: dt.datetime, *, at: dt.datetime | None = None,
               days: int | None = None, count: str = "") -> dt.datetime:
    """The reply date: `at` as given, or the end of the `days`-th natural or working day after
    now. Refused (NoticeError) in the past, more than a year ahead, or when the calendar does not
    know a year it must count."""
    if at is None:
        if days is None:
            raise NoticeError(_("Give a reply date, or a number of days to reply."))
        try:
            at = WorkingCalendar(campaign).deadline_after(now, days, count)
        except UnknownYear as error:
            raise NoticeError(str(error)) from error
        except ValueError as error:
            raise NoticeError(_("The reply date can be at most a year ahead.")) from error
    if at < now - dt.timedelta(minutes=1):
        raise NoticeError(_("The reply date cannot be in the past."))
    latest = now + MAX_REPLY_AHEAD
    if at > latest:
        raise NoticeError(_("The reply date can be at most a year ahead (until %(latest)s).")
                          % {"latest": timezone.localtime(latest).strftime("%Y-%m-%d")})
    return at


def local_minute(moment: dt.datetime, campaign: Campaign) -> str:
    """"2026-12-01 23:59" in the campaign's time zone: how messages give a date."""
    return timezone.localtime(moment, campaign_zone(campaign)).strftime("%Y-%m-%d %H:%M")


# ---- issuing ------------------------------------------------------------------------------

def _check_named(unit: Unit, items: Sequence[Rectification], tasks: Sequence[Task], *,
                 by: User) -> None:
    """At most MAX_ITEMS items and MAX_TASKS tasks, each of the addressed unit's subtree and
    visible to whoever issues the notice."""
    if len(items) > MAX_ITEMS:
        raise NoticeError(_("A notice can name at most %(max)s items (you chose %(count)s).")
                          % {"max": MAX_ITEMS, "count": len(items)})
    if len(tasks) > MAX_TASKS:
        raise NoticeError(_("A notice can name at most %(max)s tasks (you chose %(count)s).")
                          % {"max": MAX_TASKS, "count": len(tasks)})
    seen_items = set(visible_rectifications(by).filter(
        pk__in=[item.pk for item in items], unit__path__startswith=unit.path,
    ).values_list("pk", flat=True))
    outside = [item.code for item in items if item.pk not in seen_items]
    if outside:
        raise NoticeError(_("These items are not %(unit)s's: %(codes)s.")
                          % {"unit": unit.name, "codes": ", ".join(outside)})
    seen_tasks = set(visible_tasks(by).filter(
        pk__in=[task.pk for task in tasks], unit__path__startswith=unit.path,
    ).values_list("pk", flat=True))
    outside = [task.code for task in tasks if task.pk not in seen_tasks]
    if outside:
        raise NoticeError(_("These tasks are not %(unit)s's: %(codes)s.")
                          % {"unit": unit.name, "codes": ", ".join(outside)})


@transaction.atomic
def issue_notice(*, unit: Unit, subject: str, body: str, by: User, reply_by: dt.datetime | None = None,
                 reply_days: int | None = None, reply_count: str = "",
                 items: Sequence[Rectification] = (), tasks: Sequence[Task] = (),
                 now: dt.datetime | None = None) -> Notice:
    """Issue a numbered notice to `unit` in the name of the nearest unit above it that `by`
    coordinates; tell the unit's staff and coordinators (and its group robots)."""
    now = now or timezone.now()
    issuer = permissions.issuing_unit(by, unit)
    if issuer is None:
        raise NoticeError(_("You may not issue notices to %(unit)s.") % {"unit": unit.name})
    _check_named(unit, items, tasks, by=by)
    at = reply_date(unit.campaign, now, at=reply_by, days=reply_days, count=reply_count)
    counted = reply_by is None
    year = timezone.localtime(now, campaign_zone(unit.campaign)).year
    number, code = take_number(issuer, year)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                campaign_id=unit.campaign_id, issuer=issuer, unit=unit, year=year, number=number,
                code=code, subject=subject, body=body, reply_by=at,
                reply_days=reply_days if counted else None,
                reply_count=reply_count if counted else "", issued_by=by, issued_at=now,
            )
    except IntegrityError as error:
        # Another unit with the same prefix took the code at the same instant (each locks its
        # own counter): nothing is saved, and sending again takes the next number.
        raise NoticeError(_("Another notice took number %(code)s at the same moment. Nothing "
                            "was saved: please send again.") % {"code": code}) from error
    notice.rectifications.set(items)
    notice.tasks.set(tasks)
    NoticeEvent.objects.create(notice=notice, action=NoticeAction.ISSUED, actor=by, at=now)
    people = People(unit.campaign)
    notify(_message(notice, NotificationKind.NOTICE_ISSUED, f"notice:{notice.pk}:issued",
                    unit_id=unit.pk),
           [*people.staff(unit), *people.at(unit.pk, Role.COORDINATOR)], now=now)
    return notice


def _message(notice: Notice, kind: str, key: str, *, unit_id: int | None, **params) -> Message:
    return Message(
        key=key, kind=kind, url=notice.get_absolute_url(),
        params={"notice": notice.code, "unit": notice.unit.name, "title": notice.subject,
                "deadline": local_minute(notice.reply_by, notice.campaign), **params},
        campaign_id=notice.campaign_id, unit_id=unit_id,
    )


# ---- the steps ----------------------------------------------------------------------------

def _locked(notice: Notice, action: str) -> Notice:
    """The notice, locked for the step, if the step is legal in its current status."""
    locked = (Notice.objects.select_for_update()
              .select_related("campaign", "unit", "issuer").get(pk=notice.pk))
    if locked.status not in STEPS[action]:
        raise NoticeError(_("Notice %(code)s is “%(status)s” now: this step is not possible.")
                          % {"code": locked.code, "status": locked.get_status_display()})
    return locked


def allowed(notice: Notice, action: str) -> bool:
    """Whether the step is legal in the notice's status (what the page offers)."""
    return notice.status in STEPS[action]


def reply_notice(notice: Notice, *, text: str, by: User, uploads: Sequence = (),
                 now: dt.datetime | None = None) -> NoticeReply:
    """The addressed unit replies, with photos; the issuing unit's coordinators are told."""
    if not permissions.can_reply(by, notice):
        raise NoticeError(_("You may not reply to notice %(code)s.") % {"code": notice.code})
    if len(uploads) > MAX_PHOTOS:
        raise NoticeError(_("Send at most %(max)s photos (you chose %(count)s).")
                          % {"max": MAX_PHOTOS, "count": len(uploads)})
    now = now or timezone.now()
    photos = store_photos(uploads, unit=notice.unit, by=by)
    try:
        with transaction.atomic():
            notice = _locked(notice, NoticeAction.REPLIED)
            reply = NoticeReply.objects.create(notice=notice, text=text, by=by, at=now)
            reply.photos.set(photos)
            notice.status = NoticeStatus.REPLIED
            notice.save(update_fields=["status"])
            NoticeEvent.objects.create(notice=notice, action=NoticeAction.REPLIED, actor=by,
                                       at=now, note=text)
            people = People(notice.campaign)
            notify(_message(notice, NotificationKind.NOTICE_REPLIED,
                            f"notice:{notice.pk}:replied:{reply.pk}", unit_id=notice.issuer_id),
                   people.at(notice.issuer_id, Role.COORDINATOR), now=now)
    except Exception:
        forget_photos(photos)
        raise
    return reply


@transaction.atomic
def return_reply(notice: Notice, *, reason: str, by: User, reply_by: dt.datetime | None = None,
                 reply_days: int | None = None, reply_count: str = "",
                 now: dt.datetime | None = None) -> Notice:
    """The issuing unit does not accept the reply: the notice waits again, until a new reply
    date (the reminders start over from it)."""
    if not permissions.can_decide(by, notice):
        raise NoticeError(_("You may not decide on notice %(code)s.") % {"code": notice.code})
    now = now or timezone.now()
    notice = _locked(notice, NoticeAction.RETURNED)
    at = reply_date(notice.campaign, now, at=reply_by, days=reply_days, count=reply_count)
    old = notice.reply_by
    counted = reply_by is None
    notice.status = NoticeStatus.OPEN
    notice.reply_by = at
    notice.reply_days = reply_days if counted else None
    notice.reply_count = reply_count if counted else ""
    notice.save(update_fields=["status", "reply_by", "reply_days", "reply_count"])
    NoticeEvent.objects.create(notice=notice, action=NoticeAction.RETURNED, actor=by, at=now,
                               note=reason, data={"old_reply_by": old.astimezone(dt.UTC).isoformat(),
                                                  "new_reply_by": at.astimezone(dt.UTC).isoformat()})
    people = People(notice.campaign)
    notify(_message(notice, NotificationKind.NOTICE_RETURNED,
                    f"notice:{notice.pk}:returned:{at.astimezone(dt.UTC):%Y%m%dT%H%MZ}",
                    unit_id=notice.unit_id, reason=reason[:200]),
           [*people.staff(notice.unit), *people.at(notice.unit_id, Role.COORDINATOR)], now=now)
    return notice


@transaction.atomic
def close_notice(notice: Notice, *, by: User, note: str = "",
                 now: dt.datetime | None = None) -> Notice:
    """The issuing unit closes the notice (replied, or no longer needed)."""
    if not permissions.can_decide(by, notice):
        raise NoticeError(_("You may not decide on notice %(code)s.") % {"code": notice.code})
    now = now or timezone.now()
    notice = _locked(notice, NoticeAction.CLOSED)
    notice.status = NoticeStatus.CLOSED
    notice.closed_at = now
    notice.save(update_fields=["status", "closed_at"])
    NoticeEvent.objects.create(notice=notice, action=NoticeAction.CLOSED, actor=by, at=now,
                               note=note)
    return notice
