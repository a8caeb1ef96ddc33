"""compute_month over real rows, publishing and revising a bulletin."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from campaign.periods import Month
from inspections.models import Bulletin, MonthlyScore
from inspections.rankings import (
    BulletinError,
    compute_all_groups,
    compute_month,
    drill_down,
    month_ranking,
    publish_bulletin,
    revise_bulletin,
)
from tests import factories
from tests.inspections.conftest import visit

JULY = Month(2019, 7)
DEADLINE = dt.datetime(2019, 7, 15, 10, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2019, 9, 1, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


def item(unit, *, deadline=DEADLINE, status="submitted", events=()):
    """An item with its events: [("submitted", offset), ("returned", offset)…] from the deadline."""
    rectification = factories.RectificationFactory(unit=unit, deadline=deadline, status=status)
    for action, offset in events:
        factories.RectificationEventFactory(
            rectification=rectification, action=action, created_at=deadline + offset
        )
    return rectification


def lines(result):
    return {line.unit.name: line.standing for line in result.lines}


def test_compute_month_scores_ranks_and_ties(district):
    a, b, c, d = district["streets"]
    p = district["points"]
    for deducted in ["10", "20", "30"]:           # 甲: 90, 80, 70 → 80
        visit(p[a.pk], deducted)
    visit(p["lane"], "0")                          # a lane office under 甲: counts for 甲 → 85
    for deducted in ["15", "15", "15"]:            # 丙: 85
        visit(p[b.pk], deducted)
    for deducted in ["0", "30", "25"]:             # 丁: 100, 70, 75 → 81.67
        visit(p[c.pk], deducted)
    visit(p[d.pk], "0")                            # 戊: one visit only → not ranked
    visit(p[d.pk], "0", month=6)                   # another month: not counted
    result = compute_month(a.campaign, JULY, district["unit"], now=NOW)
    got = lines(result)
    assert [(name, s.score, s.rank, s.visits) for name, s in got.items()] == [
        ("甲街道", D("85.00"), 1, 4),
        ("丙街道", D("85.00"), 1, 3),
        ("丁街道", D("81.67"), 3, 3),
        ("戊街道", D("100.00"), None, 1),          # best score, yet listed last and not ranked
    ]
    assert got["丁街道"].in_bottom and got["甲街道"].in_top and got["丙街道"].in_top


def test_on_time_rate_from_the_event_history(district):
    a = district["streets"][0]
    for _n in range(3):
        visit(district["points"][a.pk], "10")
    minute, day = dt.timedelta(minutes=1), dt.timedelta(days=1)
    item(a, events=[("submitted", dt.timedelta(0))])                              # exactly at: on time
    item(a, events=[("submitted", -day), ("returned", -minute), ("submitted", -minute / 2)])  # fixed again
    item(a, events=[("submitted", -day), ("returned", day)])                      # returned after: late
    item(a, events=[("submitted", minute)])                                        # a minute late
    item(a, events=[("submitted", -day), ("returned", -day)])                      # returned that instant
    item(a, status="open")                                                          # never submitted
    item(a, status="voided", events=[("submitted", day)])                          # voided: left out
    item(a, deadline=DEADLINE + 30 * day, events=[("submitted", minute)])          # due in August
    lane_item = item(district["tree"]["lane_a"], events=[("submitted", -day)])     # subtree: counts
    assert lane_item.unit.parent == a
    result = compute_month(a.campaign, JULY, district["unit"], now=NOW)
    standing = lines(result)["甲街道"]
    assert (standing.due, standing.on_time) == (7, 3)
    assert standing.score == D("80.57")           # 0.8 × 90 + 0.2 × 100 × 3/7 = 80.571…


def test_items_not_yet_due_are_not_counted_in_the_running_month(district):
    a = district["streets"][0]
    item(a, status="open")                                        # deadline July 15, 10:00 UTC
    early = compute_month(a.campaign, JULY, district["unit"], now=DEADLINE - dt.timedelta(hours=1))
    late = compute_month(a.campaign, JULY, district["unit"], now=DEADLINE + dt.timedelta(hours=1))
    assert lines(early)["甲街道"].due == 0
    assert lines(late)["甲街道"].due == 1


def test_month_bounds_follow_the_campaign_time_zone(district):
    a = district["streets"][0]
    # 2019-07-31 20:00 UTC is 2019-08-01 04:00 in Shanghai: an August visit.
    factories.InspectionFactory(point=district["points"][a.pk], points_deducted=D("50"),
                                visited_at=dt.datetime(2019, 7, 31, 20, tzinfo=dt.UTC))
    assert lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))["甲街道"].visits == 0
    august = compute_month(a.campaign, Month(2019, 8), district["unit"], now=NOW)
    assert lines(august)["甲街道"].visits == 1


def test_compute_month_runs_four_queries(district, django_assert_num_queries):
    for street in district["streets"]:
        for _n in range(3):
            visit(district["points"][street.pk], "5")
        item(street, events=[("submitted", dt.timedelta(0))])
    campaign = district["unit"].campaign
    with django_assert_num_queries(4):
        compute_month(campaign, JULY, district["unit"], now=NOW)


def _three_ranked(district, month=7, deductions=("10", "20", "30", "40")):
    for street, deducted in zip(district["streets"], deductions, strict=True):
        for _n in range(3):
            visit(district["points"][street.pk], deducted, month=month)


def test_publish_freezes_the_month_and_is_idempotent(district, member):
    _three_ranked(district)
    coordinator = member(district["unit"], role="coordinator")
    campaign = district["unit"].campaign
    bulletin, created = publish_bulletin(campaign, JULY, district["unit"], by=coordinator, now=NOW)
    again, created_again = publish_bulletin(campaign, JULY, district["unit"], by=coordinator, now=NOW)
    assert created and not created_again and again.pk == bulletin.pk
    assert Bulletin.objects.count() == 1
    assert bulletin.scores.count() == 4
    assert (bulletin.revision, bulletin.status, bulletin.published_by) == (1, "published", coordinator)


def test_published_month_unchanged_after_a_finding_is_edited_and_a_revision_changes(district):
    _three_ranked(district)
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
    old, _revisions = month_ranking(campaign, JULY, district["unit"], revision=1)
    assert lines(old)["甲街道"].score == D("90.00")             # the old revision stays readable
    assert [b.revision for b in revisions] == [2, 1]
    with pytest.raises(BulletinError):
        revise_bulletin(first, by=None, reason="过期的修订", now=NOW)   # not the current one


def test_publish_refuses_a_month_not_over(district):
    with pytest.raises(BulletinError):
        publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None,
                         now=dt.datetime(2019, 7, 31, 12, tzinfo=dt.UTC))


def test_movement_and_accountability_streak_over_published_months(district):
    campaign = district["unit"].campaign
    campaign.streak_k = 3
    campaign.save()
    for month, deductions in [(5, ("10", "20", "30", "40")), (6, ("20", "10", "30", "40")),
                              (7, ("40", "10", "20", "30"))]:
        _three_ranked(district, month, deductions)
    publish_bulletin(campaign, Month(2019, 5), district["unit"], by=None, now=NOW)
    publish_bulletin(campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    july = lines(compute_month(campaign, JULY, district["unit"], now=NOW))
    assert july["甲街道"].movement == -2 and july["丙街道"].movement == 0   # 2→4, 1→1
    assert july["戊街道"].movement == 1                                       # 4→3
    # 戊 was last in May and June but not in July; 甲 is last only in July.
    assert (july["戊街道"].streak, july["戊街道"].flagged) == (0, False)
    assert (july["甲街道"].streak, july["甲街道"].flagged) == (1, False)
    _three_ranked(district, 8, ("10", "20", "30", "40"))
    publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    august = lines(compute_month(campaign, Month(2019, 8), district["unit"], now=NOW))
    assert (august["戊街道"].streak, august["戊街道"].flagged) == (1, False)
    _three_ranked(district, 5, ("0", "0", "0", "0"))   # no effect: May is frozen
    assert MonthlyScore.objects.get(unit=district["streets"][3], month=dt.date(2019, 5, 1)).rank == 4


def test_streak_reaches_k_and_flags(district):
    campaign = district["unit"].campaign
    campaign.streak_k = 3
    campaign.save()
    for month in (5, 6, 7):
        _three_ranked(district, month)
    publish_bulletin(campaign, Month(2019, 5), district["unit"], by=None, now=NOW)
    publish_bulletin(campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    bulletin, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    row = bulletin.scores.get(unit=district["streets"][3])
    assert (row.rank, row.streak, row.flagged, row.previous_rank) == (4, 3, True, 4)


def test_drill_down_lists_visits_findings_and_missed_items(district):
    a = district["streets"][0]
    lost = visit(district["points"][a.pk], "12")
    factories.FindingFactory(inspection=lost, points=D("12"), note="垃圾堆放")
    visit(district["points"][a.pk], "0")
    late = item(a, events=[("submitted", dt.timedelta(hours=2))])
    item(a, events=[("submitted", -dt.timedelta(hours=2))])
    result = drill_down(a.campaign, JULY, a)
    assert [v["id"] for v in result.details["visits"]] == [lost.pk]
    assert result.details["visits"][0]["findings"][0]["note"] == "垃圾堆放"
    assert [m["code"] for m in result.details["missed"]] == [late.code]
    assert result.standing.score == D("85.20")      # 0.8 × 94 + 0.2 × 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_publishing_at_once_yield_one_revision(district):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    _three_ranked(district)
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


def test_all_groups_in_one_pass_match_each_group(district, django_assert_num_queries):
    campaign = district["unit"].campaign
    _three_ranked(district)
    item(district["streets"][1], events=[("submitted", dt.timedelta(0))])
    item(district["tree"]["lane_a"], events=[("submitted", dt.timedelta(days=1))])
    visit(factories.PointFactory(unit=district["tree"]["street_b"]), "50")
    publish_bulletin(campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    with django_assert_num_queries(4):
        every = compute_all_groups(campaign, JULY, now=NOW)
    parents = [district["tree"]["city"], district["unit"], district["tree"]["district_b"],
               district["streets"][0]]
    assert set(every) == {parent.pk for parent in parents}
    for parent in parents:
        one = compute_month(campaign, JULY, parent, now=NOW)
        assert [(line.unit.pk, line.standing) for line in every[parent.pk].lines] == [
            (line.unit.pk, line.standing) for line in one.lines]
