from django.contrib.auth.models import AnonymousUser

from campaign.models import User


def can_read_audit(user: User | AnonymousUser) -> bool:
    """Who reads the audit trail: superusers, and whoever holds the permission "audit.read_audit"
    (given in the admin, to a person or a group)."""
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm("audit.read_audit")))
