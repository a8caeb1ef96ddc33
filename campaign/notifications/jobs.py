"""Carrying deliveries, in the background (Django's tasks framework; `manage.py db_worker` runs
them with the django-tasks-db backend).

`deliver(delivery_id)` sends one delivery that is due, records the outcome and, on failure, sets
the next attempt by BACKOFF; `deliver_due(now)` (called by `manage.py supervise` each run) picks
up what is due: deliveries held for quiet hours, retries, and anything whose task was lost.
A failing channel raises nothing: the error is recorded on its own delivery, and every delivery
is independent of the others."""

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import override

from campaign.notifications import channels
from campaign.notifications.enums import Channel, DeliveryStatus
from campaign.notifications.models import QUIET_END, QUIET_START, Delivery

logger = logging.getLogger(__name__)

# The wait after the 1st, 2nd… failed attempt; after the last one the delivery has failed.
BACKOFF = (
    dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
    dt.timedelta(hours=2), dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF)
SWEEP_BATCH = 500
# A queued task not run within this time is taken as lost: the sweep queues the delivery again.
LEASE = dt.timedelta(minutes=15)
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.HELD)


def _locked(delivery_id: int) -> Delivery | None:
    """The delivery, row-locked; None when another worker holds it (PostgreSQL: SKIP LOCKED;
    SQLite, which cannot lock a row, writes one transaction at a time anyway)."""
    rows = Delivery.objects.select_related(
        "webhook", "notification__recipient__notification_preference",
    ).filter(pk=delivery_id)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return rows.first()


def _quiet_hours(delivery: Delivery) -> tuple[dt.time, dt.time]:
    if delivery.webhook is not None:
        return delivery.webhook.quiet_start, delivery.webhook.quiet_end
    recipient = delivery.notification.recipient if delivery.notification else None
    preference = getattr(recipient, "notification_preference", None)
    if preference is None:
        return QUIET_START, QUIET_END
    return preference.quiet_start, preference.quiet_end


def _send(delivery: Delivery) -> None:
    """Carry the delivery by its channel; raises ChannelError."""
    if delivery.channel == Channel.EMAIL:
        recipient = delivery.notification.recipient if delivery.notification else None
        if recipient is None or not recipient.email:
            raise channels.ChannelError("no email address")
        if not channels.email_enabled():
            raise channels.ChannelError("email is switched off (no DJANGO_EMAIL_HOST)")
        subject = delivery.text.splitlines()[0][:78]
        channels.send_email(recipient.email, subject, delivery.text)
        return
    webhook = delivery.webhook
    if webhook is None or not webhook.is_active:
        raise channels.ChannelError("the group robot is switched off")
    channels.post_robot(webhook.kind, webhook.url, delivery.text, secret=webhook.secret)


def attempt(delivery_id: int, *, now: dt.datetime) -> str | None:
    """Send one delivery if it is waiting and due; returns its status afterwards (None when it
    is locked by another worker or gone). Held for quiet hours: status held until their end."""
    with transaction.atomic():
        delivery = _locked(delivery_id)
        if delivery is None:
            return None
        if delivery.status not in WAITING or (
            delivery.next_attempt_at is not None and delivery.next_attempt_at > now
        ):
            return delivery.status
        delivery.queued_at = None
        quiet_end = channels.quiet_until(now, *_quiet_hours(delivery))
        if quiet_end is not None:
            delivery.status = DeliveryStatus.HELD
            delivery.next_attempt_at = quiet_end
            delivery.save(update_fields=["status", "next_attempt_at", "queued_at"])
            return delivery.status
        delivery.attempts += 1
        try:
            with override("zh-hans"):
                _send(delivery)
        except Exception as error:   # any channel failure is recorded, never raised
            if not isinstance(error, channels.ChannelError):
                logger.exception("delivery %s failed", delivery.pk)
            delivery.last_error = str(error)[: Delivery.MAX_ERROR] or type(error).__name__
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.status = DeliveryStatus.PENDING
                delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        deferred = (delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None
                    and deliver.get_backend().supports_defer)
        if deferred:
            delivery.queued_at = delivery.next_attempt_at   # the lease runs from when it is due
        delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "sent_at",
                                     "queued_at"])
    if deferred:
        enqueue([delivery.pk], run_after=delivery.next_attempt_at)
    return delivery.status


@task
def deliver(delivery_id: int) -> str | None:
    """The background task: one delivery, now."""
    return attempt(delivery_id, now=timezone.now())


def enqueue(delivery_ids: Iterable[int], *, run_after: dt.datetime | None = None) -> None:
    """Queue `deliver` for each delivery. A later run is deferred where the backend can defer;
    where it cannot, the delivery's next_attempt_at waits for the sweep (deliver_due).
    Enqueueing never fails the caller: the sweep picks up what was not queued."""
    job = deliver
    if run_after is not None:
        if not deliver.get_backend().supports_defer:
            return
        job = deliver.using(run_after=run_after)
    for pk in delivery_ids:
        try:
            job.enqueue(pk)
        except Exception:
            logger.exception("could not enqueue delivery %s", pk)


def deliver_due(now: dt.datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Queue the waiting deliveries whose time has come (held ones whose quiet hours are over,
    retries the backend could not defer, anything whose task was lost: queued more than LEASE
    ago), oldest first, at most `limit`; returns how many."""
    due = list(
        Delivery.objects.filter(status__in=WAITING, next_attempt_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - LEASE))
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    if due:
        Delivery.objects.filter(pk__in=due).update(queued_at=now)
        enqueue(due)
    return len(due)
