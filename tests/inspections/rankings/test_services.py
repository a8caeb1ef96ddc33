"""Publishing and revising a bulletin: frozen rows, idempotence, corrections with a reason."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from inspections.models import Bulletin, MonthlyScore
from inspections.rankings.queries import drill_down, month_ranking
from inspections.rankings.services import BulletinError, publish_bulletin, revise_bulletin
from tests import factories
from tests.inspections.rankings.conftest import JULY, NOW, lines, three_ranked

pytestmark = pytest.mark.django_db


def test_publish_freezes_the_month_and_is_idempotent(district, member):
    three_ranked(district)
    coordinator = member(district["unit"], role="coordinator")
    campaign = district["unit"].campaign
    bulletin, created = publish_bulletin(campaign, JULY, district["unit"], by=coordinator, now=NOW)
    again, created_again = publish_bulletin(campaign, JULY, district["unit"], by=coordinator, now=NOW)
    assert created and not created_again and again.pk == bulletin.pk
    assert Bulletin.objects.count() == 1
    assert bulletin.scores.count() == 4
    assert (bulletin.revision, bulletin.status, bulletin.published_by) == (1, "published", coordinator)


def test_published_month_unchanged_after_a_finding_is_edited_and_a_revision_changes(district):
    three_ranked(district)
    a = district["streets"][0]
    campaign = a.campaign
    finding = factories.FindingFactory(inspection=a.inspections.first(), points=D("10"))
    first, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    # Later the finding is corrected (as the findings screens would do): the visit lost 60.
    finding.points = D("60")
    finding.save()
    type(finding.inspection).objects.filter(pk=finding.inspection_id).update(points_deducted=D("60"))
    frozen, revisions = month_ranking(campaign, JULY, district["unit"])
    assert lines(frozen)["甲街道"].score == D("90.00")
    details = drill_down(campaign, JULY, a).details
    [frozen_visit] = [v for v in details["visits"] if v["id"] == finding.inspection_id]
    assert frozen_visit["findings"][0]["points"] == "10.00"
    assert len(revisions) == 1

    with pytest.raises(BulletinError):
        revise_bulletin(first, by=None, reason="   ", now=NOW)
    second = revise_bulletin(first, by=None, reason="甲街道一处扣分有误", now=NOW)
    assert (second.revision, second.reason, second.is_current) == (2, "甲街道一处扣分有误", True)
    current, revisions = month_ranking(campaign, JULY, district["unit"])
    assert lines(current)["甲街道"].score == D("73.33")        # (40 + 90 + 90) / 3
    assert lines(current)["甲街道"].rank == 2                   # behind 丙 (80), ahead of 丁 (70)
    # The correction reads the findings as they are now, not the drill-down cached when the
    # month was first published (a change by hand moves no data stamp: inspections.live).
    [corrected] = [v for v in drill_down(campaign, JULY, a).details["visits"]
                   if v["id"] == finding.inspection_id]
    assert (corrected["deducted"], corrected["findings"][0]["points"]) == ("60.00", "60.00")
    old, _revisions = month_ranking(campaign, JULY, district["unit"], revision=1)
    assert lines(old)["甲街道"].score == D("90.00")             # the old revision stays readable
    assert [b.revision for b in revisions] == [2, 1]
    with pytest.raises(BulletinError):
        revise_bulletin(first, by=None, reason="过期的修订", now=NOW)   # not the current one


def test_publish_refuses_a_month_not_over(district):
    with pytest.raises(BulletinError):
        publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None,
                         now=dt.datetime(2019, 7, 31, 12, tzinfo=dt.UTC))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_publishing_at_once_yield_one_revision(district):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    three_ranked(district)
    campaign = district["unit"].campaign
    barrier = threading.Barrier(2)
    results = []

    def publish():
        from django.db import connection as thread_connection
        try:
            barrier.wait()
            results.append(publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=publish) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created for _b, created in results) == [False, True]
    assert len({bulletin.pk for bulletin, _created in results}) == 1
    assert Bulletin.objects.count() == 1 and MonthlyScore.objects.count() == 4
