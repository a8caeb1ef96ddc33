"""Two sends of one key at the same moment (PostgreSQL: real concurrency, row locks and the
unique constraint deciding)."""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from campaign.models import Photo
from campaign.offline.idempotency import REPLAYED_HEADER
from campaign.offline.models import Submission
from inspections.models import Inspection
from tests import factories
from tests.campaign.offline.test_idempotency import (
    _frozen_time,
    criterion,
    media_files,
    point,
    visit_data,
    visit_url,
)
from tests.concurrency import race
from tests.factories import login

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrency"),
]

__all__ = ["_frozen_time", "criterion", "point"]   # fixtures shared with the sequential tests


def test_two_sends_at_once_file_one_visit_and_leave_no_photo_file(point, people, criterion,
                                                                  settings):
    key = uuid.uuid4()
    clients = [login(Client(), people["inspector"]) for _ in range(2)]
    results = race(*(lambda c=c: c.post(visit_url(point), visit_data(criterion, key))
                     for c in clients))
    assert [r.status_code for r in results] == [302, 302]
    assert sorted(r.get(REPLAYED_HEADER, "") for r in results) == ["", "1"]
    assert results[0].url == results[1].url
    assert Inspection.objects.count() == 1 and Submission.objects.count() == 1
    # The loser's photo rows rolled back and its files were removed: two files (image and
    # thumbnail) of the one stored photo.
    assert Photo.objects.count() == 1 and len(media_files(settings)) == 2


def test_two_sends_of_one_step_at_once_are_one_step_and_both_answered_as_received(tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    url = reverse("inspections:rectification-step", args=[item.pk, "acknowledge"])
    data = {"version": item.version, "note": "收到", "submission_key": str(uuid.uuid4())}
    clients = [login(Client(), people["staff"]) for _ in range(2)]
    results = race(*(lambda c=c: c.post(url, data) for c in clients))
    # The loser waited on the row lock and found the version moved: refused as stale (409)
    # by the view, then answered as the replay it is.
    assert [r.status_code for r in results] == [302, 302]
    assert sorted(r.get(REPLAYED_HEADER, "") for r in results) == ["", "1"]
    assert item.events.filter(action="acknowledged").count() == 1
