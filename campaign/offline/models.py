"""What a phone has sent: one row per submission key, so that a form sent twice (a retry after a
dropped connection, a queue sent again) is filed once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    """A form received under a key the browser made: where it led (result_url) is where a
    second send of the same key is sent back to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    key = models.UUIDField(_("submission key"))
    path = models.CharField(_("path"), max_length=500)
    result_url = models.CharField(_("result URL"), max_length=500)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            # The key is the browser's: another person's identical key is a different sending.
            models.UniqueConstraint(fields=["user", "key"], name="offline_submission_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.result_url}"
