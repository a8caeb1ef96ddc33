from django.contrib.auth.models import AnonymousUser

from campaign.models import User


def can_read_audit(user: User | AnonymousUser) -> bool:
    """Who reads the audit trail: superusers, and staff (administrators) given the permission
    "audit.read_audit" in the admin, to them or a group. Everyone else is refused without a
    query: the nav asks on every page."""
    return bool(user.is_authenticated and user.is_staff and (
        user.is_superuser or user.has_perm("audit.read_audit")))
