"""The unread count in the nav: one query on the partial index notification_unread_idx, made
only when a page shows it, counting at most UNREAD_CAP + 1 rows."""

from functools import cached_property

from django.http import HttpRequest

from campaign.notifications.models import Notification

UNREAD_CAP = 99


class UnreadBadge:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return Notification.objects.filter(recipient=self.user, read_at__isnull=True)[
            : UNREAD_CAP + 1].count()

    @cached_property
    def label(self) -> str:
        """"" (none), "7", or "99+"."""
        count = self.count
        if not count:
            return ""
        return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadBadge(user)}
