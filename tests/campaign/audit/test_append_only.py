"""On PostgreSQL the audit tables refuse UPDATE and DELETE (migration audit 0002), but for a
deleted person's rows losing their link to the person."""

import pytest
from auditlog.context import set_actor
from django.conf import settings
from django.db import DatabaseError, transaction

from campaign.audit.models import ChangeEntry, SecurityEvent
from campaign.models import User
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="the triggers are PostgreSQL's"),
    pytest.mark.django_db,
]


def test_an_audit_row_cannot_be_changed_or_deleted():
    event = SecurityEvent.objects.create(at="2026-03-02T01:30:00Z", kind="login", username="wang")
    factories.UserFactory(username="li")
    entry = ChangeEntry.objects.latest("id")
    for change in (lambda: SecurityEvent.objects.filter(pk=event.pk).update(username="li"),
                   lambda: SecurityEvent.objects.filter(pk=event.pk).delete(),
                   lambda: ChangeEntry.objects.filter(pk=entry.pk).update(object_repr="x"),
                   lambda: ChangeEntry.objects.filter(pk=entry.pk).delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert SecurityEvent.objects.get(pk=event.pk).username == "wang"


def test_deleting_a_person_keeps_their_rows_unlinked(client):
    boss = factories.UserFactory(username="boss")
    client.force_login(boss)        # a login event, linked
    user = factories.UserFactory(username="gone")
    with set_actor(boss):
        user.name = "x"
        user.save()
    boss_id = boss.pk
    User.objects.filter(pk=user.pk).delete()
    assert ChangeEntry.objects.filter(actor_id=boss_id).exists()
    boss.delete()
    assert SecurityEvent.objects.get(username="boss").user_id is None
    assert not ChangeEntry.objects.filter(actor_id=boss_id).exists()
    assert ChangeEntry.objects.filter(object_repr="x", action=ChangeEntry.Action.UPDATE).exists()
