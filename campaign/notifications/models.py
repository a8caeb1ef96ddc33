"""What a person is told (Notification), how they want to be told (NotificationPreference), the
group robots of a unit (UnitWebhook) and each attempt to carry a message by a channel (Delivery)."""

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.notifications.enums import Channel, DeliveryStatus, NotificationKind, RobotKind

QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)


class Notification(models.Model):
    """One message to one person: what happened, why it concerns them, and the link to the object.
    `key` names the reminder (e.g. "item:17:due_today:2026-12-01"): a reminder goes to a person
    once, whoever runs the scheduler and how often (unique per recipient)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("campaign"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    key = models.CharField(_("reminder key"), max_length=120)
    # The facts the text is made of (code, title, deadline…), rendered in the reader's language
    # by notifications.messages.
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once"),
        ]
        indexes = [
            # The inbox, newest first, and the unread count in the nav.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.key}"


class NotificationPreference(models.Model):
    """How one person wants to be told beyond the inbox. No row: the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference",
        verbose_name=_("user"),
    )
    by_email = models.BooleanField(_("by email"), default=True)
    # Equal start and end: no quiet hours.
    quiet_start = models.TimeField(_("quiet hours from"), default=QUIET_START)
    quiet_end = models.TimeField(_("quiet hours until"), default=QUIET_END)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)


class UnitWebhook(models.Model):
    """A unit's work-group robot (WeCom or DingTalk): the unit's messages are posted there too.
    The URL holds the robot's key: it is a secret, shown masked."""

    MAX_PER_UNIT = 5

    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("unit"),
    )
    kind = models.CharField(_("robot"), max_length=10, choices=RobotKind.choices)
    url = models.CharField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=100, blank=True,
        help_text=_("DingTalk only: the robot's signing secret (加签), if it has one."),
    )
    quiet_start = models.TimeField(_("quiet hours from"), default=QUIET_START)
    quiet_end = models.TimeField(_("quiet hours until"), default=QUIET_END)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["unit", "pk"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked_url}"

    @property
    def masked_url(self) -> str:
        """The URL with each query value hidden but its last 4 characters (the keys are there)."""
        parts = urlsplit(self.url)
        query = "&".join(
            f"{name}=••••{value[-4:] if len(value) > 8 else ''}"
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        )
        return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


class Delivery(models.Model):
    """One message carried by one channel to one target: an email to a person (with its
    notification) or a post to a group robot (webhook). (key, target) is unique: a reminder
    reaches a person's mailbox, or a group, once, however often it is produced."""

    MAX_ERROR = 500

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries",
        verbose_name=_("notification"),
    )
    webhook = models.ForeignKey(
        UnitWebhook, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries",
        verbose_name=_("group robot"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    key = models.CharField(_("reminder key"), max_length=120)
    # "user:<id>" for an email, "webhook:<id>" for a robot.
    target = models.CharField(_("target"), max_length=40)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # When a worker's task for it was queued: the sweep queues it again only after a lease, so a
    # stopped worker does not make the queue grow by a task per delivery at every sweep.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=MAX_ERROR, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["key", "target"], name="delivery_once"),
        ]
        indexes = [
            # The sweep: pending or held deliveries whose time has come, and lapsed claims.
            models.Index(fields=["next_attempt_at"],
                         condition=models.Q(status__in=["pending", "held", "sending"]),
                         name="delivery_due_idx"),
            # A unit's delivery log, newest first.
            models.Index(fields=["webhook", "-created_at", "-id"], name="delivery_webhook_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.target} {self.key}"
