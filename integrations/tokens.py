"""Issuing, checking and revoking integration tokens."""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from campaign.models import Unit, User
from integrations.models import ApiToken, TokenAccess

KEY_PREFIX = "ct_"
# A key longer than this is not one of ours: refused before hashing.
MAX_KEY_LENGTH = 100
# last_used_at is written at most this often per token (a busy integration does not write a row
# on every call).
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue(*, name: str, user: User, unit: Unit, access: str, by: User) -> tuple[ApiToken, str]:
    """A new token and its key: the key is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, user=user, unit=unit, access=TokenAccess(access), created_by=by,
        prefix=key[:10], key_hash=_digest(key),
    )
    return token, key


def authenticate(key: str) -> ApiToken | None:
    """The active token with this key, its account and unit loaded; None for anything else."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.startswith(KEY_PREFIX):
        return None
    token = (ApiToken.objects.select_related("user", "unit")
             .filter(key_hash=_digest(key), revoked_at=None).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
