"""The recurrence deduction (复发扣分): the pure rule, the month's scores live and frozen, the
drill-down (谁丢分), and the settings page that changes it."""

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from django.urls import reverse

from inspections.models import ScoringSettingsChange
from inspections.rankings import scoring
from inspections.rankings.queries import (
    compute_all_groups,
    compute_month,
    drill_down,
    month_ranking,
    settings_changed_since,
)
from inspections.rankings.services import publish_bulletin, update_scoring_settings
from tests import factories
from tests.inspections.rankings.conftest import JULY, NOW, lines, three_ranked

W = D("0.80")


@pytest.mark.parametrize(("inspection", "rate", "recurrences", "deduction", "expected"), [
    (F(200, 3), F(1), 0, D("2.50"), D("73.33")),          # no recurrence: the rule as it was
    (F(200, 3), F(1), 5, D("0"), D("73.33")),             # deduction off: recurrences cost nothing
    (F(200, 3), F(1), 1, D("0.33"), D("73.00")),          # 73.333… − 0.33 = 73.00333…
    (F(200, 3), None, 2, D("1.25"), D("64.17")),          # 66.666… − 2.5 = 64.1666… (not 66.67 − 2.5)
    (D("90"), F(1, 2), 3, D("2.50"), D("74.50")),         # 72 + 10 − 7.5
    (D("5"), None, 3, D("2.00"), D("0.00")),              # floored at 0
    (None, F(1), 3, D("2.00"), None),                     # no visit scored: no score
])
def test_monthly_score_takes_the_deduction_off_the_exact_score(inspection, rate, recurrences,
                                                               deduction, expected):
    assert scoring.monthly_score(inspection, rate, inspection_weight=W, recurrences=recurrences,
                                 recurrence_deduction=deduction) == expected


def test_a_standing_keeps_its_recurrences_only_when_they_cost_points():
    groups = [scoring.VisitGroup(D("100"), D("10"), 3)]
    assert scoring.standing(1, groups, 0, 0, inspection_weight=W, recurrences=2).recurrences == 0
    costly = scoring.standing(1, groups, 0, 0, inspection_weight=W, recurrences=2,
                              recurrence_deduction=D("1.5"))
    assert (costly.recurrences, costly.score, costly.inspection_score) == (2, D("87.00"), D("90.00"))


JULY_5 = dt.datetime(2019, 7, 5, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def recurring(district):
    """July: 甲 90, 丙 80, 丁 70, 戊 60 (three visits each, nothing due). Recurrences filed: three
    in 甲's subtree (one in its lane office), a voided one in 丙, one in 丁 filed in June, one in
    戊, and one in district B."""
    three_ranked(district)
    a, c, d, e = district["streets"]
    # Due outside July, so no item changes an on-time rate.
    earlier = factories.RectificationFactory(unit=a, status="closed", closed_at=JULY_5,
                                             code="JIA-2019-0001", title="甲街道占道经营",
                                             created_at=JULY_5 - dt.timedelta(days=9),
                                             deadline=JULY_5 - dt.timedelta(days=6))

    def recurs(unit, *, status="open", at=JULY_5 + dt.timedelta(days=3), title="复发事项"):
        return factories.RectificationFactory(unit=unit, status=status, created_at=at, title=title,
                                              recurrence_of=earlier, source="finding",
                                              deadline=dt.datetime(2019, 8, 20, tzinfo=dt.UTC))

    recurs(a, title="甲街道占道经营复发")
    recurs(a)
    recurs(district["tree"]["lane_a"])
    recurs(c, status="voided")
    recurs(d, at=dt.datetime(2019, 6, 28, tzinfo=dt.UTC))
    recurs(e)
    recurs(district["tree"]["street_b"])
    campaign = a.campaign
    campaign.recurrence_deduction = D("2.50")
    campaign.save()
    return district


@pytest.mark.django_db
def test_the_month_takes_points_off_per_recurrence_in_the_subtree(recurring):
    campaign = recurring["unit"].campaign
    result = compute_month(campaign, JULY, recurring["unit"], now=NOW)
    assert [(name, s.recurrences, s.score, s.rank) for name, s in lines(result).items()] == [
        ("甲街道", 3, D("82.50"), 1), ("丙街道", 0, D("80.00"), 2), ("丁街道", 0, D("70.00"), 3),
        ("戊街道", 1, D("57.50"), 4),
    ]
    assert result.recurrence_deduction == D("2.50")
    # Every group at once gives the same figures; the city's districts add their subtrees up.
    groups = compute_all_groups(campaign, JULY, now=NOW)
    assert lines(groups[recurring["unit"].pk]) == lines(result)
    city = lines(groups[recurring["tree"]["city"].pk])
    assert (city["甲区"].recurrences, city["乙区"].recurrences) == (4, 1)


@pytest.mark.django_db
def test_with_the_deduction_off_the_month_is_scored_as_before_with_no_more_queries(
        recurring, django_assert_num_queries):
    campaign = recurring["unit"].campaign
    campaign.recurrence_deduction = D("0")
    campaign.save()
    with django_assert_num_queries(6):          # as compute_month() says, recurrences or not
        result = compute_month(campaign, JULY, recurring["unit"], now=NOW)
    assert [(s.recurrences, s.score) for s in lines(result).values()] == [
        (0, D("90.00")), (0, D("80.00")), (0, D("70.00")), (0, D("60.00"))]


@pytest.mark.django_db
def test_a_published_bulletin_keeps_its_deduction_after_the_setting_changes(recurring, member):
    campaign = recurring["unit"].campaign
    bulletin, _created = publish_bulletin(campaign, JULY, recurring["unit"], by=None, now=NOW)
    assert bulletin.recurrence_deduction == D("2.50")
    assert bulletin.scores.get(unit__name="甲街道").recurrences == 3
    office = member(recurring["tree"]["city"], role="coordinator")
    update_scoring_settings(campaign, {"recurrence_deduction": D("0")}, by=office, now=NOW)
    campaign.refresh_from_db()
    frozen, _revisions = month_ranking(campaign, JULY, recurring["unit"])
    assert frozen.recurrence_deduction == D("2.50")
    assert [(s.recurrences, s.score) for s in lines(frozen).values()] == [
        (3, D("82.50")), (0, D("80.00")), (0, D("70.00")), (1, D("57.50"))]
    [changed] = settings_changed_since(bulletin)
    assert (changed.frozen, changed.now) == ("2.50", "0.00")
    live = compute_month(campaign, JULY, recurring["unit"], now=NOW)
    assert lines(live)["甲街道"].score == D("90.00")
    # The drill-down of the published month still lists what cost the points.
    drill = drill_down(campaign, JULY, recurring["streets"][0])
    assert [(r["title"], r["earlier_code"], r["points"]) for r in drill.details["recurrences"]][0] == (
        "甲街道占道经营复发", "JIA-2019-0001", "2.50")
    assert len(drill.details["recurrences"]) == 3


@pytest.mark.django_db
def test_the_drill_down_shows_the_recurrences_that_cost_points(client, recurring, coordinator):
    client.force_login(coordinator)
    url = reverse("inspections:unit-score-detail", args=[recurring["streets"][0].pk])
    response = client.get(url, {"month": "2019-07"})
    page = response.content.decode()
    assert response.context["standing"].score == D("82.50")
    assert "3 起复发，每起扣 2.50 分" in page
    assert page.count('<tr><td><code>ZG') == 3 and "JIA-2019-0001，" in page
    assert "<th>前次整改事项</th>" in page
    assert "甲街道占道经营复发" in page
    ranking = client.get(reverse("inspections:ranking-list"),
                         {"parent": recurring["unit"].pk, "month": "2019-07"}).content.decode()
    assert "每一起复发，扣减其月得分 2.50 分" in ranking
    # 丙's voided recurrence costs nothing and is not listed.
    page = client.get(reverse("inspections:unit-score-detail", args=[recurring["streets"][1].pk]),
                      {"month": "2019-07"}).content.decode()
    assert "recurrence-items" not in page and "score-recurrences" not in page


@pytest.mark.django_db
def test_the_drill_down_lists_no_recurrence_while_they_cost_nothing(client, recurring, coordinator):
    campaign = recurring["unit"].campaign
    campaign.recurrence_deduction = D("0")
    campaign.save()
    client.force_login(coordinator)
    page = client.get(reverse("inspections:unit-score-detail", args=[recurring["streets"][0].pk]),
                      {"month": "2019-07"}).content.decode()
    assert "recurrence-items" not in page and "formula-recurrence" not in page


@pytest.fixture
def office(district, member):
    return member(district["tree"]["city"], role="coordinator", name="市创城办")


SETTINGS = {"inspection_weight": "0.80", "min_sample": "3", "bottom_n": "1", "streak_k": "3",
            "recurrence_deduction": "0.00", "recurrence_days": "30"}


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("recurrence_deduction", "10.01", "确保该值小于或等于10。"),
    ("recurrence_deduction", "-1", "确保该值大于或等于0。"),
    ("recurrence_deduction", "0.125", "分数请填 0 到 10 之间、最多两位小数的数（如 0.50）。"),
    ("recurrence_deduction", "abc", "输入一个数字。"),
    ("recurrence_days", "0", "确保该值大于或等于1。"),
    ("recurrence_days", "366", "确保该值小于或等于365。"),
    ("recurrence_days", "1.5", "输入整数。"),
    ("recurrence_deduction", "NaN", "输入一个数字。"),
    ("recurrence_deduction", "Infinity", "输入一个数字。"),
    ("recurrence_deduction", "1e999", "分数请填 0 到 10 之间、最多两位小数的数（如 0.50）。"),
    ("recurrence_days", "9" * 30, "确保该值小于或等于365。"),
])
def test_the_settings_form_bounds_the_recurrence_settings(client, district, office, field, value,
                                                          message):
    campaign = district["unit"].campaign
    client.force_login(office)
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    response = client.post(url, {**SETTINGS, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    campaign.refresh_from_db()
    assert (campaign.recurrence_deduction, campaign.recurrence_days) == (D("0.00"), 30)


@pytest.mark.django_db
def test_the_settings_page_changes_and_records_the_recurrence_settings(client, district, office):
    campaign = district["unit"].campaign
    client.force_login(office)
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert 'name="recurrence_deduction"' in page and 'step="0.01" min="0" max="10"' in page
    assert 'name="recurrence_days"' in page and 'step="1" min="1" max="365"' in page
    client.post(url, {**SETTINGS, "recurrence_deduction": "10", "recurrence_days": "365"})
    client.post(url, {**SETTINGS, "recurrence_deduction": "0.5", "recurrence_days": "1"})
    campaign.refresh_from_db()
    assert (campaign.recurrence_deduction, campaign.recurrence_days) == (D("0.50"), 1)
    assert list(ScoringSettingsChange.objects.order_by("pk").values_list("field", "old", "new")) == [
        ("recurrence_deduction", "0.00", "10.00"), ("recurrence_days", "30", "365"),
        ("recurrence_deduction", "10.00", "0.50"), ("recurrence_days", "365", "1"),
    ]
    page = client.get(url).content.decode()
    assert "每次复发扣减的月得分" in page and "复发认定期限（结案后天数）" in page
    # The page shows the values in force.
    assert 'name="recurrence_deduction" id="id_recurrence_deduction" value="0.50"' in page
    assert 'name="recurrence_days" id="id_recurrence_days" value="1"' in page
    # Sent without them (a page loaded before these settings existed), they stay as they are.
    old_page = {name: value for name, value in SETTINGS.items() if not name.startswith("recurrence")}
    client.post(url, {**old_page, "min_sample": "4"})
    campaign.refresh_from_db()
    assert (campaign.recurrence_deduction, campaign.recurrence_days, campaign.min_sample) == (
        D("0.50"), 1, 4)
    assert ScoringSettingsChange.objects.count() == 5
    # Cleared, they are refused with what to give, and nothing is saved.
    response = client.post(url, {**SETTINGS, "min_sample": "5", "recurrence_deduction": "",
                                 "recurrence_days": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "recurrence_deduction": ["请填写每次复发扣减的分数，0 到 10 之间；填 0 即不扣分。"],
        "recurrence_days": ["请填写天数，1 到 365 之间。"],
    }
    campaign.refresh_from_db()
    assert (campaign.recurrence_deduction, campaign.recurrence_days, campaign.min_sample) == (
        D("0.50"), 1, 4)


@pytest.mark.django_db
def test_the_bulletin_and_its_spreadsheet_state_the_deduction_they_were_published_with(
        client, recurring, coordinator, member):
    import io

    from openpyxl import load_workbook

    campaign = recurring["unit"].campaign
    publish_bulletin(campaign, JULY, recurring["unit"], by=coordinator, now=NOW)
    update_scoring_settings(campaign, {"recurrence_deduction": D("1")},
                            by=member(recurring["tree"]["city"], role="coordinator"), now=NOW)
    client.force_login(coordinator)
    params = {"parent": recurring["unit"].pk, "month": "2019-07"}
    page = client.get(reverse("inspections:bulletin-detail"), params).content.decode()
    assert "每一起复发，扣减其月得分 2.50 分" in page
    response = client.get(reverse("inspections:bulletin-export"), params)
    cells = [cell for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True) for cell in row if cell]
    assert "当月在单位辖区内立案的每一起复发，扣减其月得分 2.50 分，最低为 0。" in cells
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = next(row for row in rows if row[2] == "单位")
    assert header[-1] == "复发"
    assert [(row[2], row[3], row[-1]) for row in rows[rows.index(header) + 1:][:4]] == [
        ("甲街道", 82.5, 3), ("丙街道", 80, 0), ("丁街道", 70, 0), ("戊街道", 57.5, 1)]
    # The table states the component too.
    assert "复发（每起 −2.50）" in page and page.count('<td class="text-end recurrences">') == 4


@pytest.mark.django_db
def test_with_the_deduction_on_the_month_reads_two_queries_more(recurring, django_assert_num_queries):
    with django_assert_num_queries(8):          # the units' paths and the recurrences per unit
        compute_month(recurring["unit"].campaign, JULY, recurring["unit"], now=NOW)


@pytest.mark.django_db
def test_the_admin_lists_the_recurrences(admin_client, recurring):
    url = reverse("admin:inspections_rectification_changelist")
    response = admin_client.get(url, {"recurrence_of__isempty": "0"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 7


@pytest.mark.django_db
def test_the_drill_down_names_an_earlier_item_only_within_the_readers_area(
        client, recurring, coordinator, member):
    """戊's recurrence recurs from an item of 甲: 戊's staff see that it was closed, never its code."""
    e = recurring["streets"][3]
    url = reverse("inspections:unit-score-detail", args=[e.pk])
    client.force_login(member(e, role="coordinator", name="戊街道协调员"))
    page = client.get(url, {"month": "2019-07"}).content.decode()
    assert "1 起复发，每起扣 2.50 分" in page
    assert "JIA-2019-0001" not in page
    assert "辖区外的事项，2019-07-05 10:00 结案" in page
    client.force_login(coordinator)
    page = client.get(url, {"month": "2019-07"}).content.decode()
    assert "JIA-2019-0001，2019-07-05 10:00 结案" in page
    # Published, the same: the frozen rows keep the earlier item's id, the page asks each time.
    publish_bulletin(recurring["unit"].campaign, JULY, recurring["unit"], by=None, now=NOW)
    client.force_login(member(e, role="coordinator", name="戊街道协调员二"))
    page = client.get(url, {"month": "2019-07"}).content.decode()
    assert "按已发布通报" in page and "JIA-2019-0001" not in page and "辖区外的事项" in page


@pytest.mark.django_db
def test_a_correction_takes_the_deduction_in_force_and_the_first_revision_keeps_its_own(
        recurring, member):
    from inspections.models import Bulletin
    from inspections.rankings.queries import frozen_month
    from inspections.rankings.services import revise_bulletin

    campaign = recurring["unit"].campaign
    first, _created = publish_bulletin(campaign, JULY, recurring["unit"], by=None, now=NOW)
    update_scoring_settings(campaign, {"recurrence_deduction": D("1.00")},
                            by=member(recurring["tree"]["city"], role="coordinator"), now=NOW)
    campaign.refresh_from_db()
    first.refresh_from_db()
    assert [(c.frozen, c.now) for c in settings_changed_since(first)] == [("2.50", "1.00")]
    second = revise_bulletin(first, by=None, reason="复发扣分标准调整", now=NOW)
    assert (first.recurrence_deduction, second.recurrence_deduction) == (D("2.50"), D("1.00"))
    assert [(s.recurrences, s.score) for s in lines(frozen_month(second)).values()] == [
        (3, D("87.00")), (0, D("80.00")), (0, D("70.00")), (1, D("59.00"))]
    first.refresh_from_db()
    assert [(s.recurrences, s.score) for s in lines(frozen_month(first)).values()] == [
        (3, D("82.50")), (0, D("80.00")), (0, D("70.00")), (1, D("57.50"))]
    # Turned off, a correction neither deducts nor counts them.
    update_scoring_settings(campaign, {"recurrence_deduction": D("0")},
                            by=member(recurring["tree"]["city"], role="coordinator"), now=NOW)
    third = revise_bulletin(Bulletin.objects.get(pk=second.pk), by=None, reason="取消复发扣分",
                            now=NOW)
    assert [(s.recurrences, s.score) for s in lines(frozen_month(third)).values()] == [
        (0, D("90.00")), (0, D("80.00")), (0, D("70.00")), (0, D("60.00"))]
    assert "recurrences" not in third.scores.get(unit__name="甲街道").details


@pytest.mark.django_db
def test_the_rankings_command_gives_the_recurrences_and_the_deduction(recurring):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("rankings", "2019-07", "--parent", str(recurring["unit"].pk), "--format", "json",
                 stdout=out)
    data = json.loads(out.getvalue())
    assert data["recurrence_deduction"] == "2.50"
    assert [(row["unit"], row["recurrences"], row["score"]) for row in data["rows"]] == [
        ("甲街道", 3, "82.50"), ("丙街道", 0, "80.00"), ("丁街道", 0, "70.00"), ("戊街道", 1, "57.50")]
