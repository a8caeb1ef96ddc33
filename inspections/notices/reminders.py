"""Supervision of notices: a reply coming due, and a late reply climbing the ladder like an
overdue item (the coordinators of the addressee's parent, then the leaders in charge). A producer
for inspections.supervision (registered in its PRODUCERS)."""

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from campaign.enums import Role
from campaign.models import User
from campaign.notifications.enums import NotificationKind as K
from campaign.notifications.services import Message
from inspections.enums import NoticeStatus
from inspections.models import Notice
from inspections.supervision import Round


def _stamp(moment: dt.datetime) -> str:
    """The reply date in a key (UTC): a new reply date is a new reminder."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def notice_reminders(round: Round) -> Iterator[tuple[Message, list[User]]]:
    """Open notices whose reply is due within `remind_before_hours` (the addressee's staff and
    coordinators), or late by `escalate_parent_after` working days (the coordinators of the
    addressee's parent) and `escalate_leaders_after` (the leaders in charge). One range of the
    (campaign, status, reply_by) index."""
    rules, now, people = round.rules, round.now, round.people
    until = now + dt.timedelta(hours=rules.remind_before_hours)
    notices = (
        Notice.objects.filter(campaign=round.campaign, status=NoticeStatus.OPEN, reply_by__lt=until)
        .select_related("unit").order_by("reply_by", "pk")
    )
    for notice in notices:
        unit = notice.unit
        if notice.reply_by >= now:
            if rules.remind_before_hours:
                recipients = [*people.staff(unit), *people.at(unit.pk, Role.COORDINATOR)]
                if recipients:
                    yield _message(round, notice, K.NOTICE_REPLY_DUE, "reply_due", unit.pk), recipients
            continue
        days = round.calendar.working_days_between(notice.reply_by, now)
        if days >= rules.escalate_parent_after:
            recipients = people.parent_coordinators(unit)
            if recipients:
                yield (_message(round, notice, K.NOTICE_LATE_PARENT, "late_parent",
                                unit.parent_id or unit.pk, days=days), recipients)
        if days >= rules.escalate_leaders_after:
            recipients = people.leaders_in_charge(unit)
            if recipients:
                yield (_message(round, notice, K.NOTICE_LATE_LEADER, "late_leader", None,
                                days=days), recipients)


def _message(round: Round, notice: Notice, kind: str, name: str, unit_id: int | None,
             **extra) -> Message:
    deadline = timezone.localtime(notice.reply_by, round.calendar.zone).strftime("%Y-%m-%d %H:%M")
    return Message(
        key=f"notice:{notice.pk}:{name}:{_stamp(notice.reply_by)}", kind=kind,
        url=notice.get_absolute_url(),
        params={"notice": notice.code, "unit": notice.unit.name, "title": notice.subject,
                "deadline": deadline, **extra},
        campaign_id=round.campaign.pk, unit_id=unit_id,
    )
