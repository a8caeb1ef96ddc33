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

# The wait after the 1st, 2nd… failed attempt; the attempt after the last wait is the last one:
# when it fails too, the delivery has failed.
BACKOFF = (
    dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
    dt.timedelta(hours=2), dt.timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SWEEP_BATCH = 500
# A queued task not run within this time is taken as lost: the sweep queues the delivery again.
# Also how long a worker's claim on a delivery it is sending lasts (a send takes seconds: robots
# 5 s, SMTP 10 s); a claim that lapses is a worker that stopped mid-send.
LEASE = dt.timedelta(minutes=15)
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.HELD)
# What the sweep looks at: the waiting ones, and those being sent (their claim may lapse).
SWEPT = (*WAITING, DeliveryStatus.SENDING)


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
    """Send one delivery if it is waiting and due; returns its status afterwards (None when
    another worker holds it or is sending it, or it is gone). Held for quiet hours: status held
    until their end.

    Three steps, so that no transaction is open while a robot or a mail server takes its time
    (on SQLite an open write transaction holds the only write lock: pages could not save):
    claim it (a short transaction), send it (none), record the outcome (a single UPDATE)."""
    delivery, status = _claim(delivery_id, now=now)
    if delivery is None:
        return status
    error: Exception | None = None
    try:
        with override("zh-hans"):
            _send(delivery)
    except Exception as failure:   # any channel failure is recorded, never raised
        if not isinstance(failure, channels.ChannelError):
            logger.exception("delivery %s failed", delivery.pk)
        error = failure
    fields = _outcome(delivery, error, now=now)
    # Only while its claim is this worker's: after a lapse another worker owns the delivery.
    recorded = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts,
    ).update(**fields)
    if not recorded:
        return None
    _defer(delivery)
    return delivery.status


def _claim(delivery_id: int, *, now: dt.datetime) -> tuple[Delivery | None, str | None]:
    """In a short transaction, on the locked row: (the delivery, "sending") when it is this
    worker's to send now: its attempt is counted and it is marked sending until now + LEASE,
    so other workers leave it. Otherwise (None, its status), or (None, None) when another worker
    holds it. A lapsed claim (the worker stopped mid-send) counts as a failed attempt."""
    with transaction.atomic():
        delivery = _locked(delivery_id)
        if delivery is None:
            return None, None
        due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now
        if delivery.status == DeliveryStatus.SENDING:
            if not due:
                return None, None
            stopped = channels.ChannelError("the worker stopped before the outcome was recorded")
            Delivery.objects.filter(pk=delivery.pk).update(**_outcome(delivery, stopped, now=now))
        elif delivery.status not in WAITING or not due:
            return None, delivery.status
        else:
            quiet_end = channels.quiet_until(now, *_quiet_hours(delivery))
            if quiet_end is not None:
                delivery.status = DeliveryStatus.HELD
                delivery.next_attempt_at = quiet_end
                delivery.queued_at = None
                delivery.save(update_fields=["status", "next_attempt_at", "queued_at"])
                return None, delivery.status
            delivery.status = DeliveryStatus.SENDING
            delivery.attempts += 1
            delivery.next_attempt_at = now + LEASE
            delivery.queued_at = None
            delivery.save(update_fields=["status", "attempts", "next_attempt_at", "queued_at"])
            return delivery, delivery.status
    _defer(delivery)
    return None, delivery.status


def _outcome(delivery: Delivery, error: Exception | None, *, now: dt.datetime) -> dict:
    """Set the outcome of the delivery's attempt on it (sent; or pending with the next attempt
    by BACKOFF; or failed after MAX_ATTEMPTS) and return the fields to save."""
    if error is None:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    else:
        delivery.last_error = str(error)[: Delivery.MAX_ERROR] or type(error).__name__
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    delivery.queued_at = None
    if _deferrable(delivery):
        delivery.queued_at = delivery.next_attempt_at   # the lease runs from when it is due
    return {name: getattr(delivery, name) for name in (
        "status", "next_attempt_at", "last_error", "sent_at", "queued_at")}


def _deferrable(delivery: Delivery) -> bool:
    return (delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None
            and deliver.get_backend().supports_defer)


def _defer(delivery: Delivery) -> None:
    """Queue the retry of a delivery that failed for its time, where the backend can defer."""
    if _deferrable(delivery):
        enqueue([delivery.pk], run_after=delivery.next_attempt_at)


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
    ago, or whose worker stopped mid-send: its claim lapsed), oldest first, at most `limit`;
    returns how many."""
    due = list(
        Delivery.objects.filter(status__in=SWEPT, next_attempt_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - LEASE))
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    if due:
        Delivery.objects.filter(pk__in=due).update(queued_at=now)
        enqueue(due)
    return len(due)
