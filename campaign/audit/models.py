"""The audit trail's two tables. Rows are written only by the recorders (django-auditlog's signal
receivers, campaign.audit.recorders) and never changed or deleted by the app: the admin shows
them read-only, and on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002) but for
the one update a foreign key makes, a deleted person's rows losing their link."""

from auditlog.models import AbstractLogEntry
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.audit.enums import SecurityKind


class ChangeEntry(AbstractLogEntry):
    """One change to a tracked object (settings.AUDITLOG_LOGENTRY_MODEL): who (`actor`), when
    (`timestamp`), from where (`remote_addr`, campaign.clientip), which object (`content_type`,
    `object_id`, `object_repr`), and `changes`: {field: [before, after]} as text."""

    class Meta(AbstractLogEntry.Meta):
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-timestamp", "-id"]
        indexes = [
            # The page, newest first, whole or by person, by object, by address.
            models.Index(fields=["-timestamp", "-id"], name="change_time_idx"),
            models.Index(fields=["actor", "-timestamp", "-id"], name="change_actor_time_idx"),
            models.Index(fields=["action", "-timestamp", "-id"], name="change_action_time_idx"),
            models.Index(fields=["content_type", "object_id", "-timestamp"], name="change_object_idx"),
            models.Index(fields=["remote_addr", "-timestamp"], name="change_addr_idx"),
        ]


class SecurityEvent(models.Model):
    """One security event: a login, a failed one (with the username tried), a lockout, a logout,
    a second-factor event, a password change, an expired session, or a refused access (403/404
    on an object's page) with the path and status."""

    MAX_USERNAME = 150
    MAX_PATH = 300

    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=16, choices=SecurityKind.choices)
    # Whom it concerns; kept as text too (`username`), which outlives the person's row.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("person"),
    )
    username = models.CharField(_("username"), max_length=MAX_USERNAME, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # What the per-minute bound on events with no person counts (campaign.clientip's
    # throttle_address): the address, or an IPv6 client's /64 network, which it can rotate within.
    counted_address = models.GenericIPAddressField(_("counted address"), null=True, blank=True,
                                                   editable=False)
    path = models.CharField(_("path"), max_length=MAX_PATH, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    # Facts of the event: who reset a second factor ("by"), why a session ended ("reason").
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        permissions = [("read_audit", _("Can read the audit trail"))]
        indexes = [
            models.Index(fields=["-at", "-id"], name="security_time_idx"),
            # The person filter reads `username` (a failed login has no person row).
            models.Index(fields=["username", "-at", "-id"], name="security_username_time_idx"),
            models.Index(fields=["kind", "-at", "-id"], name="security_kind_time_idx"),
            models.Index(fields=["address", "-at"], name="security_addr_idx"),
            # The refusal bound: a person's refusals of the last minute.
            models.Index(fields=["user", "kind", "-at"], name="security_user_kind_idx"),
            # The same bound without a person: an address's (or /64 network's) events.
            models.Index(fields=["counted_address", "kind", "-at"], name="security_counted_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
