"""Who manages integration tokens: as for the audit trail (campaign.audit.permissions), superusers
and staff (administrators) given "integrations.add_apitoken" in the admin. A token acts as any
account it names, so issuing one is an administrator's act, not a coordinator's."""

from django.contrib.auth.models import AnonymousUser

from campaign.models import User


def can_manage_tokens(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_staff and (
        user.is_superuser or user.has_perm("integrations.add_apitoken")))
