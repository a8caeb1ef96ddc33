"""What a person is told (Notification). Deliveries of it by other channels are added by
campaign.notifications.channels."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.notifications.enums import NotificationKind


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
