"""The reads: compute_month over real rows (rounding once, ranks on the published score, items
sent back to the dispatcher, one on-time rule), published history and streaks, drill-down."""

import datetime as dt
from decimal import Decimal as D

import pytest

from campaign.periods import Month
from inspections import services, workflow
from inspections.models import MonthlyScore, Rectification, is_on_time, standing_fix_at
from inspections.rankings.queries import compute_all_groups, compute_month, drill_down
from inspections.rankings.services import publish_bulletin
from tests import factories
from tests.inspections.conftest import visit
from tests.inspections.rankings.conftest import (
    DAY,
    DEADLINE,
    HOUR,
    JULY,
    NOW,
    item,
    last_every_month,
    lines,
    three_ranked,
    three_visits,
)

pytestmark = pytest.mark.django_db


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
    item(a, steps=[("submitted", dt.timedelta(0))])                              # exactly at: on time
    item(a, steps=[("submitted", -day), ("returned", -minute), ("submitted", -minute / 2)])  # fixed again
    item(a, steps=[("submitted", -day), ("returned", day)])                      # returned after: late
    item(a, steps=[("submitted", minute)])                                        # a minute late
    item(a, steps=[("submitted", -day), ("returned", -day)])                      # returned that instant
    item(a, status="open")                                                          # never submitted
    item(a, status="voided", steps=[("submitted", day)])                          # voided: left out
    item(a, deadline=DEADLINE + 30 * day, steps=[("submitted", minute)])          # due in August
    lane_item = item(district["tree"]["lane_a"], steps=[("submitted", -day)])     # subtree: counts
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


def test_compute_month_runs_six_queries_then_three_while_nothing_changes(
        district, django_assert_num_queries):
    for street in district["streets"]:
        for _n in range(3):
            visit(district["points"][street.pk], "5")
        item(street, steps=[("submitted", dt.timedelta(0))])
    campaign = district["unit"].campaign
    # The peers, the data stamp, the units' paths, visits grouped, items due grouped, the
    # published history.
    with django_assert_num_queries(6):
        first = compute_month(campaign, JULY, district["unit"], now=NOW)
    # The grouped rows come from the cache: the peers, the stamp and the history only.
    with django_assert_num_queries(3):
        again = compute_month(campaign, JULY, district["unit"], now=NOW)
    assert [(line.unit.pk, line.standing) for line in again.lines] == [
        (line.unit.pk, line.standing) for line in first.lines]


def test_movement_and_accountability_streak_over_published_months(district):
    campaign = district["unit"].campaign
    campaign.streak_k = 3
    campaign.save()
    for month, deductions in [(5, ("10", "20", "30", "40")), (6, ("20", "10", "30", "40")),
                              (7, ("40", "10", "20", "30"))]:
        three_ranked(district, month, deductions)
    publish_bulletin(campaign, Month(2019, 5), district["unit"], by=None, now=NOW)
    publish_bulletin(campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    july = lines(compute_month(campaign, JULY, district["unit"], now=NOW))
    assert july["甲街道"].movement == -2 and july["丙街道"].movement == 0   # 2→4, 1→1
    assert july["戊街道"].movement == 1                                       # 4→3
    # 戊 was last in May and June but not in July; 甲 is last only in July.
    assert (july["戊街道"].streak, july["戊街道"].flagged) == (0, False)
    assert (july["甲街道"].streak, july["甲街道"].flagged) == (1, False)
    three_ranked(district, 8, ("10", "20", "30", "40"))
    publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    august = lines(compute_month(campaign, Month(2019, 8), district["unit"], now=NOW))
    assert (august["戊街道"].streak, august["戊街道"].flagged) == (1, False)
    three_ranked(district, 5, ("0", "0", "0", "0"))   # no effect: May is frozen
    assert MonthlyScore.objects.get(unit=district["streets"][3], month=dt.date(2019, 5, 1)).rank == 4


def test_streak_reaches_k_and_flags(district):
    campaign = district["unit"].campaign
    campaign.streak_k = 3
    campaign.save()
    for month in (5, 6, 7):
        three_ranked(district, month)
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
    late = item(a, steps=[("submitted", dt.timedelta(hours=2))])
    item(a, steps=[("submitted", -dt.timedelta(hours=2))])
    result = drill_down(a.campaign, JULY, a)
    assert [v["id"] for v in result.details["visits"]] == [lost.pk]
    assert result.details["visits"][0]["findings"][0]["note"] == "垃圾堆放"
    assert [m["code"] for m in result.details["missed"]] == [late.code]
    assert result.standing.score == D("85.20")      # 0.8 × 94 + 0.2 × 50


def test_all_groups_in_one_pass_match_each_group(district, django_assert_num_queries):
    campaign = district["unit"].campaign
    three_ranked(district)
    item(district["streets"][1], steps=[("submitted", dt.timedelta(0))])
    item(district["tree"]["lane_a"], steps=[("submitted", dt.timedelta(days=1))])
    visit(factories.PointFactory(unit=district["tree"]["street_b"]), "50")
    publish_bulletin(campaign, Month(2019, 6), district["unit"], by=None, now=NOW)
    with django_assert_num_queries(6):      # units, stamp, paths, visits, items due, history
        every = compute_all_groups(campaign, JULY, now=NOW)
    parents = [district["tree"]["city"], district["unit"], district["tree"]["district_b"],
               district["streets"][0]]
    assert set(every) == {parent.pk for parent in parents}
    for parent in parents:
        one = compute_month(campaign, JULY, parent, now=NOW)
        assert [(line.unit.pk, line.standing) for line in every[parent.pk].lines] == [
            (line.unit.pk, line.standing) for line in one.lines]


def test_the_mean_is_over_unrounded_visit_scores(district):
    a = district["streets"][0]
    # Visit scores 100, 100 and 96.666… (1 of 30 lost): mean 98.888…, shown 98.89; two items of
    # three on time. 0.8 × 98.888… + 0.2 × 66.666… = 92.444… → 92.44 (rounding the components
    # first gave 0.8 × 98.89 + 13.33… = 92.445… → 92.45).
    three_visits(district["points"][a.pk], ("0", "0", "1"), possible="30")
    item(a, steps=[("submitted", -DAY)])
    item(a, steps=[("submitted", -DAY)])
    item(a, status="open")
    standing = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))["甲街道"]
    assert (standing.inspection_score, standing.due, standing.on_time, standing.on_time_percent,
            standing.score) == (D("98.89"), 3, 2, D("66.7"), D("92.44"))
    [lost] = drill_down(a.campaign, JULY, a).details["visits"]
    assert lost["score"] == "96.67"                                # a visit is shown rounded too


def test_ranks_are_decided_on_the_published_two_decimal_score(district):
    a, b, c, d = district["streets"]
    points = district["points"]
    # Of 25,000 points possible: 4,998.75 lost → 80.005 → 80.01; 4,998.76 → 80.00496 → 80.00;
    # 4,999 → 80.004 → 80.00; 5,000 → 80.
    for street, deducted in [(a, "4998.75"), (b, "4998.76"), (c, "4999.00"), (d, "5000.00")]:
        three_visits(points[street.pk], (deducted,) * 3, possible="25000")
    got = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))
    assert [(name, s.score, s.rank) for name, s in got.items()] == [
        ("甲街道", D("80.01"), 1),     # 0.00004 above 丙 yet printed higher: ranked higher
        ("丙街道", D("80.00"), 2),     # 0.00496 apart from 戊 yet printed alike: one rank
        ("丁街道", D("80.00"), 2),
        ("戊街道", D("80.00"), 2),
    ]


def test_an_item_waiting_at_the_dispatcher_counts_for_no_unit(district, people):
    a = district["streets"][0]
    three_visits(district["points"][a.pk], ("0", "0", "0"))
    item(a, steps=[("submitted", -DAY)])                                       # on time
    waiting = item(a, status="returned_to_dispatch", steps=[("sent_back", -3 * DAY)])
    late_then_sent_back = item(a, status="returned_to_dispatch", steps=[("sent_back", DAY)])
    standing = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))["甲街道"]
    assert (standing.due, standing.on_time, standing.score) == (1, 1, D("100.00"))
    missed = [m["code"] for m in drill_down(a.campaign, JULY, a).details["missed"]]
    assert waiting.code not in missed and late_then_sent_back.code not in missed
    assert Rectification.objects.overdue(NOW).count() == 0


def test_an_item_whose_deadline_fell_while_it_waited_is_no_units(district):
    a, b = district["streets"][:2]
    for street in (a, b):
        three_visits(district["points"][street.pk], ("0", "0", "0"))
    # Sent back by 甲 two days before the deadline, re-routed to 丙 two days after it with the
    # same deadline: when the deadline fell it waited at the dispatcher.
    fell_while_waiting = item(b, status="open", steps=[("sent_back", -2 * DAY), ("rerouted", 2 * DAY)])
    # Sent back and re-routed to 丙 before the deadline, which 丙 then missed: 丙's.
    rerouted_in_time = item(b, status="open", steps=[("sent_back", -3 * DAY), ("rerouted", -2 * DAY)])
    # Re-routed to 丙 at once, then sent back again after missing the deadline: waits now.
    item(b, status="returned_to_dispatch",
         steps=[("sent_back", -3 * DAY), ("rerouted", -2 * DAY), ("sent_back", DAY)])
    # Re-routed to 丙 with a new deadline that 丙 met.
    met = item(b, deadline=DEADLINE + 5 * DAY, status="submitted",
               steps=[("sent_back", -7 * DAY), ("rerouted", -3 * DAY), ("submitted", -DAY)])
    got = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))
    assert (got["甲街道"].due, got["甲街道"].on_time) == (0, 0)
    assert (got["丙街道"].due, got["丙街道"].on_time) == (2, 1)
    assert got["丙街道"].score == D("90.00")                        # 0.8 × 100 + 0.2 × 50
    missed = [m["code"] for m in drill_down(b.campaign, JULY, b).details["missed"]]
    assert missed == [rerouted_in_time.code]
    assert fell_while_waiting.code not in missed and met.code not in missed
    start, end = JULY.bounds(a.campaign.time_zone)
    assert set(Rectification.objects.due_between(start, end)) == {rerouted_in_time, met}


def test_rankings_drill_down_and_unit_figures_count_on_time_alike(tree, people, photo, district):
    """Items filed and due in July through the workflow: every figure agrees with the rule."""
    staff, inspector, coordinator = people["staff"], people["inspector"], people["coordinator"]
    a = tree["street_a"]
    filed_at = dt.datetime(2019, 7, 1, 9, tzinfo=dt.UTC)
    deadline = filed_at + 5 * DAY

    def new():
        return workflow.file_rectification(unit=a, title="t", by=inspector, deadline=deadline,
                                           at=filed_at)

    first = new()                                                         # on time, closed
    workflow.submit(first, by=staff, version=None, photos=[photo], at=deadline - DAY)
    workflow.close(first, by=coordinator, version=None, method="service", at=deadline + DAY)
    exactly = new()                                                       # at the deadline
    workflow.submit(exactly, by=staff, version=None, photos=[photo], at=deadline)
    refixed = new()                                                       # returned, fixed again in time
    workflow.submit(refixed, by=staff, version=None, photos=[photo], at=deadline - 3 * DAY)
    workflow.return_for_rework(refixed, by=inspector, version=None, reason="x", at=deadline - 2 * DAY)
    workflow.submit(refixed, by=staff, version=None, photos=[photo], at=deadline - DAY)
    returned = new()                                                      # returned after the deadline
    workflow.submit(returned, by=staff, version=None, photos=[photo], at=deadline - DAY)
    # Returned after its deadline, so the unit gets a new one, still in July, and misses it too.
    workflow.return_for_rework(returned, by=inspector, version=None, reason="x", at=deadline + DAY,
                               deadline=deadline + 14 * DAY)
    late = new()
    workflow.submit(late, by=staff, version=None, photos=[photo], at=deadline + HOUR)
    new()                                                                 # never submitted
    three_visits(district["points"][a.pk], ("0", "0", "0"))

    items = list(Rectification.objects.filter(unit=a).prefetch_related("events"))
    by_rule = sum(
        is_on_time(i.deadline, standing_fix_at([(e.action, e.created_at) for e in i.events.all()]))
        for i in items
    )
    standing = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))["甲街道"]
    everywhere = compute_all_groups(a.campaign, JULY, now=NOW)[district["unit"].pk]
    drill = drill_down(a.campaign, JULY, a)
    figures = services.unit_figures(a, JULY, now=NOW)
    assert by_rule == 3
    assert (standing.due, standing.on_time) == (6, 3)
    assert (lines(everywhere)["甲街道"].due, lines(everywhere)["甲街道"].on_time) == (6, 3)
    assert (drill.standing.due, drill.standing.on_time, len(drill.details["missed"])) == (6, 3, 3)
    assert (figures.filed, figures.disposed_on_time) == (6, 3)
    assert standing.score == D("90.00")                                  # 0.8 × 100 + 0.2 × 50


def test_a_month_out_of_the_bottom_ends_the_run(district):
    campaign = district["unit"].campaign
    campaign.streak_k = 2
    campaign.save()
    last_every_month(district, (4, 5, 7))
    for street, deducted in zip(district["streets"], ("40", "20", "30", "10"), strict=True):
        three_visits(district["points"][street.pk], (deducted,) * 3, month=6)      # 戊 first in June
    for month in (4, 5, 6):
        publish_bulletin(campaign, Month(2019, month), district["unit"], by=None, now=NOW)
    july = lines(compute_month(campaign, JULY, district["unit"], now=NOW))
    assert (july["戊街道"].streak, july["戊街道"].flagged) == (1, False)
