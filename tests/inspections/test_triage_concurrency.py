"""Two coordinators merging the same citizen report at the same moment (PostgreSQL: real row
locks): one wins, the other is told, and the report follows exactly one item."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from inspections import triage
from inspections.enums import CitizenReportStatus, EventAction
from inspections.models import CitizenReport, Rectification
from tests.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _report(campaign, code):
    return CitizenReport.objects.create(campaign=campaign, tracking_code=code, description="x",
                                        location="y")


def test_the_same_report_merged_twice_at_once(tree, people, item):
    campaign = tree["city"].campaign
    first, shared, third = (_report(campaign, code) for code in ("R1", "R2", "R3"))
    deadline = timezone.now() + dt.timedelta(days=3)
    results = race(
        lambda: triage.merge_into_new_item(first, [shared], unit=tree["street_a"], title="垃圾",
                                           deadline=deadline, by=people["coordinator"]),
        lambda: triage.attach_to_item(third, [shared], item, by=people["coordinator"]),
    )
    winners = [r for r in results if isinstance(r, triage.Merged)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    # Threads speak the site language.
    assert str(losers[0]) == "随手拍 R2 已处理过：只有待处理的随手拍可以合并。"
    shared.refresh_from_db()
    assert (shared.item, shared.status) == (winners[0].item, CitizenReportStatus.ACCEPTED)
    # The loser left nothing: no item of its own, no merge event, its other report still new.
    assert Rectification.objects.count() == 1 + (winners[0].item != item)
    assert Rectification.objects.filter(events__action=EventAction.MERGED).distinct().get() == winners[0].item
    assert CitizenReport.objects.filter(status=CitizenReportStatus.NEW).count() == 1
