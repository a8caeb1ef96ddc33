"""Telling people: `notify` records a message for each recipient once (the key makes a second
run a no-op) and a delivery for each channel that carries it further (email, the unit's group
robots), queued once the transaction commits. Also the inbox's writes (mark read), a person's
preferences and a unit's group robots."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from campaign.models import Unit, User
from campaign.notifications import channels, jobs, messages
from campaign.notifications.enums import Channel, DeliveryStatus
from campaign.notifications.models import (
    QUIET_END,
    QUIET_START,
    Delivery,
    Notification,
    NotificationPreference,
    UnitWebhook,
)


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
    Safe to call twice, or from two processes at once: the unique (recipient, key) keeps one.
    Also makes the deliveries by email and by the unit's group robots (see _make_deliveries)."""
    people = {user.pk: user for user in recipients if user.is_active}
    if not people:
        _make_deliveries(message, [], now=now)
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
    _make_deliveries(message, [n.recipient_id for n in new], now=now)
    return new


def robot_text(kind: str, params: dict[str, Any], url: str) -> str:
    """The text email and group robots carry: in Chinese (offices read them), ending with the
    absolute link."""
    with translation.override("zh-hans"):
        return f"{messages.text(kind, params)}\n{settings.SITE_URL}{url}"


def _held_until(now: dt.datetime, start: dt.time, end: dt.time) -> tuple[str, dt.datetime]:
    """(status, next attempt) of a delivery made at `now` for a target with these quiet hours."""
    until = channels.quiet_until(now, start, end)
    return (DeliveryStatus.HELD, until) if until else (DeliveryStatus.PENDING, now)


def _make_deliveries(message: Message, recipient_ids: list[int], *, now: dt.datetime) -> None:
    """An email per new recipient who has an address and wants email (when email is on), a post
    per active group robot of the message's unit. (key, target) is unique: made once, however
    often or concurrently notify runs; the pending ones are queued after the commit."""
    text = robot_text(message.kind, message.params, message.url)
    rows: list[Delivery] = []
    if recipient_ids and channels.email_enabled():
        people = (User.objects.filter(pk__in=recipient_ids, is_active=True).exclude(email="")
                  .select_related("notification_preference"))
        notifications = dict(
            Notification.objects.filter(key=message.key, recipient_id__in=recipient_ids)
            .values_list("recipient_id", "pk")
        )
        for person in people:
            preference = getattr(person, "notification_preference", None)
            if (preference is not None and not preference.by_email) or person.pk not in notifications:
                continue
            status, at = _held_until(now, *(
                (preference.quiet_start, preference.quiet_end) if preference else (QUIET_START, QUIET_END)
            ))
            rows.append(Delivery(notification_id=notifications[person.pk], channel=Channel.EMAIL,
                                 key=message.key, target=f"user:{person.pk}", text=text,
                                 status=status, next_attempt_at=at, created_at=now,
                                 queued_at=now if status == DeliveryStatus.PENDING else None))
    if message.unit_id:
        for webhook in UnitWebhook.objects.filter(unit_id=message.unit_id, is_active=True):
            status, at = _held_until(now, webhook.quiet_start, webhook.quiet_end)
            rows.append(Delivery(webhook=webhook, channel=webhook.kind, key=message.key,
                                 target=f"webhook:{webhook.pk}", text=text, status=status,
                                 next_attempt_at=at, created_at=now,
                                 queued_at=now if status == DeliveryStatus.PENDING else None))
    if not rows:
        return
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    # Re-selected: bulk_create with ignore_conflicts gives no ids. Rows an earlier run made (and
    # queued) are left out; a run at the same moment queues them again, which `deliver`'s row
    # lock and status check make harmless.
    pending = list(
        Delivery.objects.filter(key=message.key, target__in=[row.target for row in rows],
                                status=DeliveryStatus.PENDING, queued_at=now)
        .values_list("pk", flat=True)
    )
    if pending:
        transaction.on_commit(lambda: jobs.enqueue(pending))


def mark_read(notification: Notification, *, now: dt.datetime) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now)
        notification.read_at = now


def mark_all_read(user: User, *, now: dt.datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=now)


def preference_of(user: User) -> NotificationPreference:
    """The person's preferences (the defaults, unsaved, when they never set any)."""
    try:
        return NotificationPreference.objects.get(user=user)
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def save_preference(preference: NotificationPreference) -> None:
    preference.save()


class WebhookError(Exception):
    """A group robot that may not be added (the message says why, in the reader's language)."""


@transaction.atomic
def add_webhook(webhook: UnitWebhook, *, by: User, now: dt.datetime) -> UnitWebhook:
    """Save a new group robot for its unit, at most UnitWebhook.MAX_PER_UNIT per unit."""
    Unit.objects.select_for_update().filter(pk=webhook.unit_id).first()  # one adder at a time
    if UnitWebhook.objects.filter(unit_id=webhook.unit_id).count() >= UnitWebhook.MAX_PER_UNIT:
        raise WebhookError(_("A unit may have at most %(count)d group robots.")
                           % {"count": UnitWebhook.MAX_PER_UNIT})
    problem = channels.webhook_url_problem(webhook.url)
    if problem:
        raise WebhookError(problem)
    webhook.created_by = by
    webhook.created_at = now
    webhook.save()
    return webhook


def remove_webhook(webhook: UnitWebhook) -> None:
    webhook.delete()


def send_test_message(webhook: UnitWebhook, *, by: User, now: dt.datetime) -> Delivery:
    """Queue a test message to the robot (recorded in its delivery log like any other): at most
    one per robot per minute, so clicking does not flood the work group. The key carries the
    minute and (key, target) is unique: a second one within the minute raises WebhookError."""
    with translation.override("zh-hans"):
        text = _("Test message from the campaign tracker, sent by %(name)s.") % {"name": str(by)}
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                webhook=webhook, channel=webhook.kind, key=f"test:{now.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}",
                target=f"webhook:{webhook.pk}", text=f"{text}\n{settings.SITE_URL}/",
                status=DeliveryStatus.PENDING, next_attempt_at=now, created_at=now, queued_at=now,
            )
    except IntegrityError as error:
        raise WebhookError(_("A test message was sent less than a minute ago; try again in a "
                             "minute.")) from error
    transaction.on_commit(lambda: jobs.enqueue([delivery.pk]))
    return delivery


def webhook_log(unit: Unit, *, limit: int = 50) -> list[Delivery]:
    """The last deliveries to the unit's group robots, newest first."""
    return list(
        Delivery.objects.filter(webhook__unit=unit).select_related("webhook")
        .order_by("-created_at", "-pk")[:limit]
    )

