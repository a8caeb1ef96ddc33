"""Who sees which notifications and who manages a unit's group robots. A notification is its
recipient's alone (anyone else: not found); a unit's robots are managed by the coordinators of
the unit or of a unit above it (out of scope: not found; in scope without the role: forbidden)."""

from django.db.models import QuerySet

from campaign.enums import Role
from campaign.models import Unit, User
from campaign.notifications.models import Notification, UnitWebhook
from campaign.permissions import has_role, role_paths, scope_q


def visible_notifications(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def visible_webhooks(user: User) -> QuerySet[UnitWebhook]:
    return UnitWebhook.objects.filter(scope_q(user))


def can_manage_webhooks(user: User, unit: Unit) -> bool:
    return has_role(user, unit, Role.COORDINATOR)


def webhook_units(user: User) -> QuerySet[Unit]:
    """The units where the user is a coordinator (their robots' pages; units below are reached
    from the unit pages). A superuser: the roots."""
    if user.is_superuser:
        return Unit.objects.filter(parent=None).order_by("path")
    return Unit.objects.filter(path__in=role_paths(user, (Role.COORDINATOR,))).order_by("path")
