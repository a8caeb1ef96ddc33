from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SecurityKind(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Logged out")
    LOGOUT_EVERYWHERE = "logout_all", _("Logged out everywhere")
    SESSION_EXPIRED = "session_expired", _("Session expired")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    SECOND_FACTOR_FAILED = "2fa_failed", _("Second factor failed")
    SECOND_FACTOR_ENROLLED = "2fa_enrolled", _("Second factor set up")
    SECOND_FACTOR_RESET = "2fa_reset", _("Second factor reset")
    REFUSED = "refused", _("Access refused")


# What django-auditlog records, as the page names it (auditlog's own labels have no Chinese).
ACTION_LABELS = {0: pgettext_lazy("audit", "Created"), 1: pgettext_lazy("audit", "Changed"),
                 2: pgettext_lazy("audit", "Deleted")}
