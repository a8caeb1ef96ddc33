"""Two people acting on the same item at the same moment (PostgreSQL: real row locks)."""

import pytest
from django.db import connection
from django.utils import translation

from inspections import workflow
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification
from tests import factories
from tests.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the pages are checked in Chinese elsewhere."""
    with translation.override("en"):
        yield


def test_two_people_at_once_one_wins_the_other_is_told(item, people):
    version = item.version
    results = race(
        lambda: workflow.acknowledge(item, by=people["staff"], version=version),
        lambda: workflow.send_back(item, by=people["staff_two"], version=version, reason="错派"),
    )
    winners = [r for r in results if isinstance(r, Rectification)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], workflow.StaleVersionError)
    assert "已被他人修改" in str(losers[0])   # threads speak the site language
    fresh = Rectification.objects.get(pk=item.pk)
    assert fresh.version == version + 1
    assert list(fresh.events.values_list("action", flat=True)) == [A.FILED, winners[0].events.last().action]


def test_without_a_version_the_row_lock_still_serialises(item, people, photo):
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    results = race(
        lambda: workflow.close(item, by=people["coordinator"], version=None, method="service"),
        lambda: workflow.return_for_rework(item, by=people["inspector"], version=None, reason="x"),
    )
    assert sorted(type(r).__name__ for r in results) == ["Rectification", "TransitionError"]
    fresh = Rectification.objects.get(pk=item.pk)
    assert fresh.status in (S.CLOSED, S.REWORK)
    assert fresh.events.count() == 3   # filed, submitted, and the winner's step: none lost


def test_a_page_loaded_minutes_earlier_is_refused(item, people):
    loaded = item.version
    workflow.acknowledge(item, by=people["staff_two"], version=loaded)
    with pytest.raises(workflow.StaleVersionError):
        workflow.send_back(item, by=people["staff"], version=loaded, reason="错派")
    assert Rectification.objects.get(pk=item.pk).status == S.ACKNOWLEDGED


def test_codes_filed_at_once_are_unique(tree, people):
    results = race(*[
        (lambda: factories.file_item(tree["street_a"], by=people["inspector"]))
        for _ in range(4)
    ])
    codes = sorted(r.code for r in results)
    prefix = tree["street_a"].code
    assert len(set(codes)) == 4 and all(code.startswith(prefix) for code in codes)
