from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionMode(models.TextChoices):
    OPEN = "open", _("Announced check")
    COVERT = "covert", _("Unannounced visit")


class RoundKind(models.TextChoices):
    ORDINARY = "ordinary", _("Inspection round")
    # 模拟测评: a rehearsal of the real evaluation; its visits never count in the monthly scores.
    MOCK = "mock", _("Mock evaluation")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SUBMITTED = "submitted", _("Submitted")
    REWORK = "rework", _("Returned for rework")
    RETURNED_TO_DISPATCH = "returned_to_dispatch", _("Sent back to dispatcher")
    CLOSED = "closed", _("Closed")
    VOIDED = "voided", _("Voided")


# Pending: waiting for the responsible unit's fix, so overdue once past the deadline (DOMAIN:
# "past the deadline and not submitted"). An item sent back to the dispatcher (回退) waits for
# the dispatcher, not for a unit: neither overdue nor due soon for anyone until it is re-routed.
PENDING: tuple[str, ...] = (
    RectificationStatus.OPEN, RectificationStatus.ACKNOWLEDGED, RectificationStatus.REWORK,
)


class EventAction(models.TextChoices):
    FILED = "filed", _("Filed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SUBMITTED = "submitted", _("Fix submitted")
    CLOSED = "closed", _("Verified and closed")
    RETURNED = "returned", _("Returned for rework")
    SENT_BACK = "sent_back", _("Sent back to dispatcher")
    REROUTED = "rerouted", _("Re-routed")
    EXTENDED = "extended", _("Deadline extended")
    VOIDED = "voided", _("Voided")
    # Not a step of the item's life: a citizen report of the same problem joined the item.
    MERGED = "merged", _("Citizen report merged")


class SolvingMethod(models.TextChoices):
    """How a problem was solved, recorded when an item is closed. From Yingze district's "721"
    method (seed document 001): about seven in ten problems are meant to be solved by service,
    two by management and one by enforcement. Only the kind is recorded; the shares are the
    method's aim, shown and computed nowhere, so the seeds hold no fixture for them."""

    SERVICE = "service", _("Service")
    MANAGEMENT = "management", _("Management")
    ENFORCEMENT = "enforcement", _("Enforcement")


class RectificationSource(models.TextChoices):
    FINDING = "finding", _("Inspection finding")
    CITIZEN_REPORT = "citizen_report", _("Citizen report")
    STANDALONE = "standalone", _("Filed directly")


class CitizenReportStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


# issue 4: monthly scoring
class BulletinStatus(models.TextChoices):
    """A month's draft is computed live and never stored; publishing writes a frozen revision."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


# issue 11: the supervision notice (督办单)
class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the reply")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


class NoticeAction(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REPLIED = "replied", _("Replied")
    RETURNED = "returned", _("Reply not accepted")
    CLOSED = "closed", _("Closed")


# issue 16: the follow-up (回访) of a citizen report once its item is closed
class FeedbackRating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    PARTLY = "partly", _("Partly satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


# issue 17: an after-photo that does not fit the item (inspections.plausibility)
class PhotoWarning(models.TextChoices):
    BEFORE_FILING = "before_filing", _("Taken before the item was filed")
    AFTER_SUBMISSION = "after_submission", _("Taken after the fix was submitted")
    FAR = "far", _("Taken far from the point")
