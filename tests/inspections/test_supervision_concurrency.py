"""Two schedulers at once (PostgreSQL: real row locks): the second skips the campaign held by
the first, and whatever the timing nobody is told twice."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from campaign.notifications.models import Notification
from inspections import supervision
from inspections.models import SupervisionRun
from tests import factories
from tests.inspections.test_concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 4, 0, 5, tzinfo=ZONE)


@pytest.fixture
def overdue(tree, people):
    campaign = tree["city"].campaign
    campaign.start, campaign.end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    campaign.save()
    factories.MembershipFactory(user=people["coordinator"], unit=tree["district_a"],
                                role="coordinator")
    filed = dt.datetime(2026, 2, 26, 9, tzinfo=ZONE)
    monday = dt.datetime(2026, 3, 2, 23, 59, 59, tzinfo=ZONE)
    for n in range(5):
        factories.file_item(tree["street_a"], by=people["coordinator"], at=filed,
                            deadline=monday - dt.timedelta(minutes=n))
    return campaign


def test_two_runs_at_once_tell_everybody_once(overdue):
    outcomes = race(*[lambda: supervision.supervise_campaign(overdue, now=NOW) for _ in range(2)])
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    made = sum(sum(outcome.counts.values()) for outcome in outcomes if outcome.counts)
    # Five items one working day overdue: district A's coordinator, once each.
    assert made == 5
    assert set(Notification.objects.values_list("kind", flat=True)) == {"overdue_parent"}
    assert Notification.objects.count() == 5


def test_a_run_while_another_holds_the_campaign_skips_it(overdue):
    holding, release = threading.Event(), threading.Event()

    def hold(round_):
        holding.set()
        release.wait(10)
        return []

    results = []

    def first():
        try:
            results.append(supervision.supervise_campaign(
                overdue, now=NOW, producers=[hold, *supervision.PRODUCERS]))
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    try:
        second = supervision.supervise_campaign(overdue, now=NOW)
    finally:
        release.set()
        thread.join(30)
    assert second.counts is None
    assert sum(results[0].counts.values()) == 5
    assert SupervisionRun.objects.count() == 1
    assert Notification.objects.count() == 5
