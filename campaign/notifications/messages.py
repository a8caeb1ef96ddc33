"""The text of each kind of notification, in the reader's language. A notification stores its
facts (params); the sentence is made when it is read, so an English reader reads English and the
group robots (whose readers are Chinese offices) get Chinese."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from campaign.notifications.enums import NotificationKind as K

# Params every kind may use: code, title, unit, deadline ("2026-12-01 23:59"), days (a number),
# notice (its number, 杏督〔2026〕12号), task (its title).
TEXTS = {
    K.DUE_SOON: _("Item %(code)s of %(unit)s is due at %(deadline)s: %(title)s"),
    K.DUE_TODAY: _("Item %(code)s of %(unit)s is due today at %(deadline)s: %(title)s"),
    K.OVERDUE_PARENT: _(
        "Item %(code)s of %(unit)s is %(days)s working day(s) overdue (deadline %(deadline)s): "
        "%(title)s"
    ),
    K.OVERDUE_LEADER: _(
        "Item %(code)s of %(unit)s is %(days)s working day(s) overdue (deadline %(deadline)s): "
        "%(title)s"
    ),
    K.AWAITING_VERIFICATION: _(
        "Item %(code)s of %(unit)s has waited %(days)s working day(s) for verification: %(title)s"
    ),
    K.AWAITING_REROUTING: _(
        "Item %(code)s was sent back by %(unit)s %(days)s working day(s) ago and waits to be "
        "re-routed: %(title)s"
    ),
    K.AWAITING_TRIAGE: _(
        "Citizen report %(code)s has waited %(days)s working day(s) for triage: %(title)s"
    ),
    K.REWORK: _("Item %(code)s of %(unit)s was returned for rework (deadline %(deadline)s): "
                "%(title)s"),
    K.TASK_SILENT: _("Task %(task)s of %(unit)s: no progress reported for %(days)s day(s)"),
    K.TASK_BEHIND: _("Task %(task)s of %(unit)s is behind schedule (due %(deadline)s)"),
    K.NOTICE_ISSUED: _("Supervision notice %(notice)s to %(unit)s: reply by %(deadline)s. "
                       "%(title)s"),
    K.NOTICE_REPLY_DUE: _("Supervision notice %(notice)s: the reply of %(unit)s is due at "
                          "%(deadline)s"),
    K.NOTICE_LATE_PARENT: _(
        "Supervision notice %(notice)s: %(unit)s has not replied, %(days)s working day(s) after "
        "%(deadline)s"
    ),
    K.NOTICE_LATE_LEADER: _(
        "Supervision notice %(notice)s: %(unit)s has not replied, %(days)s working day(s) after "
        "%(deadline)s"
    ),
    K.NOTICE_REPLIED: _("Supervision notice %(notice)s: %(unit)s has replied"),
    K.NOTICE_RETURNED: _("Supervision notice %(notice)s: the reply of %(unit)s was not accepted "
                         "(%(reason)s); reply again by %(deadline)s"),
}


class _Missing(dict):
    """Formats a missing fact as empty rather than failing on an old notification."""

    def __missing__(self, key: str) -> str:
        return ""


def text(kind: str, params: dict[str, Any]) -> str:
    template = TEXTS.get(kind)  # type: ignore[call-overload]
    if template is None:
        return str(params.get("title", kind))
    return str(template) % _Missing(params)
