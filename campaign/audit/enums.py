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
    SECOND_FACTOR_PASSED = "2fa_passed", _("Passed two-step verification")
    RECOVERY_CODE_LOGIN = "recovery_login", _("Logged in with a recovery code")
    SECOND_FACTOR_FAILED = "2fa_failed", _("Two-step verification failed")
    SECOND_FACTOR_ENROLLED = "2fa_enrolled", _("Two-step verification set up")
    SECOND_FACTOR_RESET = "2fa_reset", _("Two-step verification reset")
    REFUSED = "refused", _("Access refused")


# What django-auditlog records, as the page names it (auditlog's own labels have no Chinese).
ACTION_LABELS = {0: pgettext_lazy("audit", "Created"), 1: pgettext_lazy("audit", "Changed"),
                 2: pgettext_lazy("audit", "Deleted")}


# The facts an event's details hold, as the page and the export name them: {key: label} and
# {(key, value): label}; a value not listed here is shown as it is (a username, for "by").
DETAIL_LABELS = {"by": pgettext_lazy("event detail", "By"),
                 "reason": pgettext_lazy("event detail", "Reason"),
                 "what": pgettext_lazy("event detail", "What")}
DETAIL_VALUES = {
    ("reason", "idle"): _("Idle too long"),
    ("reason", "absolute"): _("Session too old"),
    ("what", "app"): _("Authenticator app"),
    ("what", "recovery_codes"): _("Recovery codes"),
    ("what", "recovery_code"): _("Recovery code"),
    ("what", "recovery_code_used"): _("Recovery code used"),
    ("what", "setup"): _("Setting up an app"),
}

