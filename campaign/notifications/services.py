"""Telling people: `notify` records a message for each recipient once (the key makes a second
run a no-op); the channels then carry it (email, group robots)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from campaign.models import User
from campaign.notifications.models import Notification


@dataclass(frozen=True)
class Message:
    """What to tell. `key` names the reminder, unique per recipient (e.g.
    "item:17:due_today:2026-12-01"); `unit_id`: the unit whose group robots also get it."""

    key: str
    kind: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    campaign_id: int | None = None
    unit_id: int | None = None


def notify(message: Message, recipients: Iterable[User], *, now: dt.datetime) -> list[Notification]:
    """Record the message for each recipient who does not have it yet; returns those made now.
    Safe to call twice, or from two processes at once: the unique (recipient, key) keeps one."""
    people = {user.pk: user for user in recipients if user.is_active}
    if not people:
        return []
    have = set(
        Notification.objects.filter(key=message.key, recipient_id__in=people)
        .values_list("recipient_id", flat=True)
    )
    new = [
        Notification(recipient_id=pk, campaign_id=message.campaign_id, kind=message.kind,
                     key=message.key, params=message.params, url=message.url, created_at=now)
        for pk in people if pk not in have
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return new
