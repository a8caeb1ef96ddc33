from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser


def can_read_audit(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Who reads the audit trail: superusers, and whoever holds the permission "audit.read_audit"
    (given in the admin, to a person or a group)."""
    return bool(user.is_authenticated and (
        getattr(user, "is_superuser", False) or user.has_perm("audit.read_audit")))
