"""Integration tokens: the key is shown once and only its hash is kept; a revoked token, a token
of a deactivated account, or a key of another shape authenticates nothing."""

import pytest
import time_machine
from django.utils import timezone

from campaign.enums import Role
from integrations import tokens
from integrations.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(tree, member):
    account = member(tree["district_a"], Role.COORDINATOR, username="hotline")
    admin = member(tree["city"], Role.COORDINATOR, username="office")
    return tokens.issue(name="12345 热线", user=account, unit=tree["district_a"], access="write",
                        by=admin)


def test_a_key_is_kept_only_as_its_hash(issued):
    token, key = issued
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith("ct_") and len(key) == 46
    assert stored.prefix == key[:10]
    assert key not in (stored.key_hash, stored.prefix, str(stored))
    assert tokens.authenticate(key) == token


def test_an_active_token_authenticates_and_records_its_use_once_a_minute(issued):
    token, key = issued
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert tokens.authenticate(key).last_used_at == timezone.now()
        first = timezone.now()
        clock.shift(30)
        tokens.authenticate(key)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
        clock.shift(31)
        tokens.authenticate(key)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == timezone.now()


@pytest.mark.parametrize("key", ["", "ct_", "ct_wrong", "x" * 46, "ct_" + "a" * 200])
def test_other_keys_authenticate_nothing(issued, key):
    assert tokens.authenticate(key) is None


def test_a_revoked_token_or_deactivated_account_authenticates_nothing(issued):
    token, key = issued
    token.user.is_active = False
    token.user.save()
    assert tokens.authenticate(key) is None
    token.user.is_active = True
    token.user.save()
    tokens.revoke(token)
    assert tokens.authenticate(key) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
