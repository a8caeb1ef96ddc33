"""Issue 8, "Scoring exactly as the rule says": rounding once, ranks on the published score,
items sent back to the dispatcher (回退), one on-time rule everywhere, whole streaks, superseded
revisions that stay whole, and the history of the scoring settings."""

import datetime as dt
import io
import json
from decimal import Decimal as D
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from campaign.periods import Month
from inspections import services, workflow
from inspections.models import (
    MonthlyScore,
    Rectification,
    RectificationQuerySet,
    ScoringSettingsChange,
    is_on_time,
    standing_fix_at,
)
from inspections.rankings import (
    compute_all_groups,
    compute_month,
    drill_down,
    publish_bulletin,
    revise_bulletin,
    update_scoring_settings,
)
from tests import factories
from tests.inspections.conftest import visit

pytestmark = pytest.mark.django_db
JULY = Month(2019, 7)
DEADLINE = dt.datetime(2019, 7, 15, 10, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2019, 9, 1, tzinfo=dt.UTC)
DAY, HOUR, MINUTE = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)
RANKINGS = reverse("inspections:ranking-list")


def lines(result):
    return {line.unit.name: line.standing for line in result.lines}


def item(unit, *, deadline=DEADLINE, status="submitted", steps=(), **fields):
    """An item with its events: [(action, offset from the deadline)…]."""
    rectification = factories.RectificationFactory(unit=unit, deadline=deadline, status=status,
                                                   **fields)
    for action, offset in steps:
        factories.RectificationEventFactory(rectification=rectification, action=action,
                                            created_at=deadline + offset)
    return rectification


def three_visits(point, deductions=("0", "0", "100"), *, possible="100", month=7):
    for deducted in deductions:
        visit(point, deducted, possible=possible, month=month)


@pytest.fixture
def coordinator(district, member):
    return member(district["unit"], role="coordinator", name="区协调员")


# ---- 1: no double rounding -----------------------------------------------------------------

def test_an_inspection_score_of_200_thirds_with_every_item_on_time_gives_73_33(district, coordinator, client):
    a = district["streets"][0]
    three_visits(district["points"][a.pk])                       # 100, 100, 0: mean 200/3
    for _n in range(2):
        item(a, steps=[("submitted", -DAY)])
    standing = lines(compute_month(a.campaign, JULY, district["unit"], now=NOW))["甲街道"]
    assert (standing.inspection_score, standing.on_time_percent, standing.score) == (
        D("66.67"), D("100.0"), D("73.33"))                    # not 0.8 × 66.67 + 20 = 73.34
    assert drill_down(a.campaign, JULY, a).standing.score == D("73.33")
    bulletin, _created = publish_bulletin(a.campaign, JULY, district["unit"], by=None, now=NOW)
    row = bulletin.scores.get(unit=a)
    assert (row.inspection_score, row.due, row.on_time, row.score) == (D("66.67"), 2, 2, D("73.33"))
    client.force_login(coordinator)
    page = client.get(RANKINGS, {"parent": district["unit"].pk, "month": "2019-07"}).content.decode()
    assert ">73.33<" in page and "66.67" in page and "73.34" not in page


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


# ---- 2: ranks on the published score -------------------------------------------------------

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


# ---- 3: an item sent back to the dispatcher (回退) is no unit's while it waits ------------------

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


def test_unit_figures_leave_out_items_waiting_at_the_dispatcher(tree, people, photo):
    day = dt.datetime(2019, 7, 1, 9, tzinfo=dt.UTC)
    filed = [workflow.file_rectification(unit=tree["street_a"], title="t", by=people["inspector"],
                                         deadline=day + 3 * DAY, at=day) for _n in range(2)]
    workflow.submit(filed[0], by=people["staff"], version=None, photos=[photo], at=day + DAY)
    workflow.send_back(filed[1], by=people["staff"], version=None, reason="不归我们管", at=day + DAY)
    figures = services.unit_figures(tree["street_a"], JULY, now=NOW)
    assert (figures.filed, figures.disposed, figures.disposed_on_time, figures.overdue_now) == (
        1, 1, 1, 0)
    assert figures.rates["disposed_on_time"] == D("100.0")


# ---- 4: one on-time rule -------------------------------------------------------------------

ON_TIME_CASES = [
    ([], False),
    ([("submitted", -MINUTE)], True),
    ([("submitted", 0 * MINUTE)], True),
    ([("submitted", MINUTE)], False),
    ([("submitted", -2 * MINUTE), ("returned", -MINUTE)], False),
    ([("submitted", -3 * MINUTE), ("returned", -2 * MINUTE), ("submitted", -MINUTE)], True),
    ([("submitted", -3 * MINUTE), ("returned", -MINUTE), ("submitted", MINUTE)], False),
    ([("submitted", -MINUTE), ("returned", -MINUTE)], False),
    ([("submitted", -MINUTE), ("returned", DAY)], False),
]


@pytest.mark.parametrize(("steps", "expected"), ON_TIME_CASES)
def test_the_sql_and_the_python_rule_agree(district, steps, expected):
    rectification = item(district["streets"][0], steps=steps)
    fix_at = standing_fix_at([(action, DEADLINE + offset) for action, offset in steps])
    assert is_on_time(DEADLINE, fix_at) is expected
    annotated = Rectification.objects.with_standing_fix().get(pk=rectification.pk)
    assert annotated.standing_fix_at == fix_at
    on_time = Rectification.objects.with_standing_fix().filter(RectificationQuerySet.ON_TIME)
    missed = Rectification.objects.with_standing_fix().filter(RectificationQuerySet.NOT_ON_TIME)
    assert (on_time.count(), missed.count()) == ((1, 0) if expected else (0, 1))


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
    workflow.return_for_rework(returned, by=inspector, version=None, reason="x", at=deadline + DAY)
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


# ---- 5: the streak counts the whole run ----------------------------------------------------

def _last_every_month(district, months):
    for month in months:
        for street, deducted in zip(district["streets"], ("10", "20", "30", "40"), strict=True):
            three_visits(district["points"][street.pk], (deducted,) * 3, month=month)


def test_last_three_months_running_with_k_2_reads_3_months_running(client, district, coordinator):
    campaign = district["unit"].campaign
    campaign.streak_k = 2
    campaign.save()
    _last_every_month(district, (5, 6, 7, 8))
    for month in (5, 6, 7):
        publish_bulletin(campaign, Month(2019, month), district["unit"], by=None, now=NOW)
    last = district["streets"][3]
    assert [(r.month.month, r.streak, r.flagged) for r in
            MonthlyScore.objects.filter(unit=last).order_by("month")] == [
        (5, 1, False), (6, 2, True), (7, 3, True)]
    client.force_login(coordinator)
    params = {"parent": district["unit"].pk, "month": "2019-07"}
    assert "连续3个月末位" in client.get(RANKINGS, params).content.decode()
    assert "戊街道：连续3个月位列末位" in client.get(
        reverse("inspections:bulletin-detail"), params).content.decode()
    accountability = client.get(reverse("inspections:accountability-list")).content.decode()
    assert "连续3个月" in accountability
    august = lines(compute_month(campaign, Month(2019, 8), district["unit"], now=NOW))
    assert (august["戊街道"].streak, august["戊街道"].flagged) == (4, True)
    out = StringIO()
    call_command("rankings", "2019-07", "--parent", district["unit"].code, stdout=out)
    assert "戊街道  [flagged: bottom 3 months running]" in out.getvalue()


def test_a_month_out_of_the_bottom_ends_the_run(district):
    campaign = district["unit"].campaign
    campaign.streak_k = 2
    campaign.save()
    _last_every_month(district, (4, 5, 7))
    for street, deducted in zip(district["streets"], ("40", "20", "30", "10"), strict=True):
        three_visits(district["points"][street.pk], (deducted,) * 3, month=6)      # 戊 first in June
    for month in (4, 5, 6):
        publish_bulletin(campaign, Month(2019, month), district["unit"], by=None, now=NOW)
    july = lines(compute_month(campaign, JULY, district["unit"], now=NOW))
    assert (july["戊街道"].streak, july["戊街道"].flagged) == (1, False)


# ---- 6: a superseded revision stays whole --------------------------------------------------

@pytest.fixture
def revised(district):
    """July published (甲 90.00, first) then corrected (甲 loses 60 on every visit: 40.00, last)."""
    campaign = district["unit"].campaign
    a = district["streets"][0]
    for street, deducted in zip(district["streets"], ("10", "20", "30", "35"), strict=True):
        three_visits(district["points"][street.pk], (deducted,) * 3)
    first, _created = publish_bulletin(campaign, JULY, district["unit"], by=None, now=NOW)
    a.inspections.update(points_deducted=D("60"))
    second = revise_bulletin(first, by=None, reason="甲街道督查记录更正", now=NOW)
    return {"first": first, "second": second, "street": a, **district}


def test_a_superseded_revisions_drill_down_links_stay_on_it(client, revised, coordinator):
    client.force_login(coordinator)
    a = revised["street"]
    detail = reverse("inspections:unit-score-detail", args=[a.pk])
    old = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07", "revision": "1"})
    page = old.content.decode()
    assert f'href="{detail}?month=2019-07&amp;revision=1"' in page
    response = client.get(detail, {"month": "2019-07", "revision": "1"})
    assert (response.context["standing"].score, response.context["standing"].rank) == (D("90.00"), 1)
    assert response.context["drill"].bulletin == revised["first"]
    assert "已被更正" in response.content.decode()
    assert "revision=1" in response.context["ranking_query"]
    current = client.get(detail, {"month": "2019-07"})
    assert (current.context["standing"].score, current.context["standing"].rank) == (D("40.00"), 4)
    current_page = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07"})
    assert f'href="{detail}?month=2019-07"' in current_page.content.decode()
    unknown = client.get(detail, {"month": "2019-07", "revision": "7"})
    assert unknown.context["standing"].score == D("40.00")
    assert "没有该版次" in unknown.content.decode()


def test_a_superseded_revisions_print_view_and_xlsx_show_its_figures(client, revised, coordinator):
    client.force_login(coordinator)
    old = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07", "revision": "1"})
    page = old.content.decode()
    print_url = reverse("inspections:bulletin-detail")
    xlsx_url = reverse("inspections:bulletin-export")
    query = f"parent={revised['unit'].pk}&amp;month=2019-07&amp;kind=street&amp;revision=1"
    assert f'href="{print_url}?{query}"' in page and f'href="{xlsx_url}?{query}"' in page
    params = {"parent": revised["unit"].pk, "month": "2019-07", "kind": "street", "revision": "1"}
    printed = client.get(print_url, params)
    assert [(line.unit.name, line.standing.score) for line in printed.context["lines"]][0] == (
        "甲街道", D("90.00"))
    assert f'?{query}">' in printed.content.decode()                  # back to revision 1
    sheet = load_workbook(io.BytesIO(client.get(xlsx_url, params).content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[2] == "甲街道"]
    assert [(row[1], row[3]) for row in rows] == [(1, 90)]
    assert "第1版" in str(sheet["A2"].value)
    current = load_workbook(io.BytesIO(client.get(xlsx_url, {**params, "revision": ""}).content)).active
    rows = [row for row in current.iter_rows(values_only=True) if row and row[2] == "甲街道"]
    assert [(row[1], row[3]) for row in rows] == [(4, 40)]


def test_an_unknown_revision_shows_the_current_one_not_the_draft(client, revised, coordinator):
    client.force_login(coordinator)
    response = client.get(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07", "revision": "9"})
    assert response.context["result"].bulletin == revised["second"]
    assert "没有该版次" in response.content.decode()


def _command(*args):
    out = StringIO()
    call_command("rankings", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_rankings_command_reads_a_superseded_revision(revised):
    code = revised["unit"].code
    old = json.loads(_command("2019-07", "--parent", code, "--revision", "1", "--format", "json"))
    assert old["status"] == "published revision 1, superseded by a correction"
    assert [(r["unit"], r["rank"], r["score"]) for r in old["rows"]][0] == ("甲街道", 1, "90.00")
    current = json.loads(_command("2019-07", "--parent", code, "--format", "json"))
    assert current["status"] == "published revision 2"
    assert [(r["unit"], r["rank"], r["score"]) for r in current["rows"]][-1] == ("甲街道", 4, "40.00")
    assert _command("2019-07", "--parent", code, "--revision", "2").splitlines()[0].endswith(
        "(published revision 2)")
    with pytest.raises(CommandError, match=r"no revision 3 \(published revisions: 1, 2\)"):
        _command("2019-07", "--parent", code, "--revision", "3")
    with pytest.raises(CommandError, match="leave out --publish"):
        _command("2019-07", "--parent", code, "--revision", "1", "--publish")


# ---- 7: the history of the scoring settings ------------------------------------------------

def test_changing_the_settings_records_who_changed_what_and_when(client, district, member):
    campaign = district["unit"].campaign
    office = member(district["tree"]["city"], role="coordinator", name="市创城办")
    client.force_login(office)
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    data = {"inspection_weight": "0.8", "min_sample": "3", "bottom_n": "1", "streak_k": "3"}
    response = client.post(url, data, follow=True)
    assert "没有改动" in response.content.decode()
    assert ScoringSettingsChange.objects.count() == 0
    when = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)           # 09:30 in Shanghai
    with time_machine.travel(when, tick=False):
        client.post(url, {**data, "inspection_weight": "0.7", "streak_k": "2"})
    with time_machine.travel(when + HOUR, tick=False):
        client.post(url, {**data, "inspection_weight": "0.7", "streak_k": "2", "bottom_n": "2"})
    changes = list(ScoringSettingsChange.objects.values_list(
        "field", "old", "new", "changed_by__name", "changed_at"))
    assert changes == [                                           # newest first
        ("bottom_n", "1", "2", "市创城办", when + HOUR),
        ("streak_k", "3", "2", "市创城办", when),
        ("inspection_weight", "0.80", "0.70", "市创城办", when),
    ]
    page = client.get(url)
    rows = [(c.field, c.old, c.new) for c in page.context["history"]]
    assert rows[0] == ("bottom_n", "1", "2")                       # newest first
    html = page.content.decode()
    assert "2026-03-02 10:30" in html and "2026-03-02 09:30" in html and "0.80" in html


def test_the_settings_history_is_paged(client, district, member):
    campaign = district["unit"].campaign
    office = member(district["tree"]["city"], role="coordinator")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(25):
        update_scoring_settings(campaign, {"inspection_weight": D("0.80"), "min_sample": 3 + n % 2,
                                           "bottom_n": 1, "streak_k": 3},
                                by=office, now=start + n * HOUR)
    assert ScoringSettingsChange.objects.count() == 24          # the first save changed nothing
    client.force_login(office)
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    first = client.get(url)
    assert len(first.context["history"].object_list) == 20
    assert first.context["history"][0].changed_at == start + 24 * HOUR
    second = client.get(url, {"page": "2"})
    assert [c.changed_at for c in second.context["history"]][-1] == start + HOUR
    assert len(second.context["history"].object_list) == 4
    for page in ["abc", "-1", "9" * 40]:
        assert client.get(url, {"page": page}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 40, "１"])
def test_a_malformed_revision_gets_the_current_figures_and_a_message(client, revised, coordinator, value):
    client.force_login(coordinator)
    detail = reverse("inspections:unit-score-detail", args=[revised["street"].pk])
    for url, params in [(RANKINGS, {"parent": revised["unit"].pk, "month": "2019-07"}),
                        (detail, {"month": "2019-07"})]:
        response = client.get(url, {**params, "revision": value})
        assert response.status_code == 200
        assert [m.message for m in response.context["messages"]] != []
    with pytest.raises(CommandError):
        _command("2019-07", "--parent", revised["unit"].code, "--revision", value)
