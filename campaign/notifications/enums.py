from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """Why someone is told something. The text of each kind is in notifications.messages."""

    DUE_SOON = "due_soon", _("Deadline approaching")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE_PARENT = "overdue_parent", _("Overdue: escalated to the unit above")
    OVERDUE_LEADER = "overdue_leader", _("Overdue: escalated to the leaders in charge")
    AWAITING_VERIFICATION = "awaiting_verification", _("Waiting for verification")
    AWAITING_REROUTING = "awaiting_rerouting", _("Sent back, waiting to be re-routed")
    AWAITING_TRIAGE = "awaiting_triage", _("Citizen report waiting for triage")
    REWORK = "rework", _("Returned for rework")
    TASK_SILENT = "task_silent", _("Task progress not reported")
    TASK_BEHIND = "task_behind", _("Task behind schedule")
    NOTICE_ISSUED = "notice_issued", _("Supervision notice issued")
    NOTICE_REPLY_DUE = "notice_reply_due", _("Supervision notice reply due")
    NOTICE_LATE_PARENT = "notice_late_parent", _("Supervision notice reply late: escalated")
    NOTICE_LATE_LEADER = "notice_late_leader", _(
        "Supervision notice reply late: escalated to the leaders in charge"
    )
    NOTICE_REPLIED = "notice_replied", _("Supervision notice replied")
    NOTICE_RETURNED = "notice_returned", _("Supervision notice reply not accepted")


class Channel(models.TextChoices):
    """Where a notification is carried beyond the inbox."""

    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class RobotKind(models.TextChoices):
    """The group robots a unit may connect (a subset of Channel, same values)."""

    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class DeliveryStatus(models.TextChoices):
    """pending or held → sending (a worker claimed it) → sent, pending again (a retry), or
    failed."""

    PENDING = "pending", _("Pending")
    HELD = "held", _("Held for quiet hours")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
