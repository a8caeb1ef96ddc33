"""Integration tokens: how another system (the 12345 hotline, a city's 数字城管 platform) calls the
JSON API and Open311 interface. A token acts as a service account (its `user`): it sees and may do
what that account may, narrowed to the subtree of `unit` and to reading unless it may write. So an
interface's scope is the pages' scope, through the same visibility queries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenAccess(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens",
        verbose_name=_("acts as"),
    )
    unit = models.ForeignKey(
        "campaign.Unit", on_delete=models.PROTECT, related_name="api_tokens",
        verbose_name=_("unit (the token sees its subtree)"),
    )
    access = models.CharField(_("access"), max_length=8, choices=TokenAccess.choices,
                              default=TokenAccess.READ)
    # The key is shown once, when it is issued; only its SHA-256 is kept (a random 256-bit key
    # needs no slow hash). The prefix names the token in lists and logs without revealing it.
    prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.access == TokenAccess.WRITE

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
