"""Which peer groups each person reads (inspections.rankings.permissions): a group whose parent is
in their scope whole, drafts included; the group a unit of theirs is ranked in, its published
bulletins only; no other (404). The same rule on every rankings URL: the page, the print view,
the XLSX; a unit's drill-down and trend open only within one's scope."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaign.models import LeaderCharge
from inspections.rankings.services import publish_bulletin
from tests import factories
from tests.inspections.conftest import visit
from tests.inspections.rankings.conftest import JULY, NOW

pytestmark = pytest.mark.django_db
RANKINGS = reverse("inspections:ranking-list")
BULLETIN = reverse("inspections:bulletin-detail")
XLSX = reverse("inspections:bulletin-export")
NOT_PUBLISHED = "本组{month}的月通报尚未发布：显示{latest}。"


@pytest.fixture
def months(district):
    """District A's streets visited in June and July 2019, July published; the city's group
    (the districts) and June left as drafts; district B visited in July with a secret finding."""
    for street in district["streets"]:
        for month in (6, 7):
            for _n in range(3):
                visit(district["points"][street.pk], "10", month=month)
    street_b = district["tree"]["street_b"]
    for _n in range(3):
        lost = visit(factories.PointFactory(unit=street_b), "33", month=7)
    factories.FindingFactory(inspection=lost, note="乙区机密问题")
    publish_bulletin(district["unit"].campaign, JULY, district["unit"], by=None, now=NOW)
    return district


def _people(months, member):
    tree = months["tree"]
    leader = factories.UserFactory(username="baolian")
    LeaderCharge.objects.create(leader=leader, unit=tree["district_a"])   # 包联 district A
    return {
        "office": member(tree["city"], role="coordinator"),
        "district": member(tree["district_a"], role="coordinator"),
        "staff": member(tree["street_a"], role="unit_staff"),
        "lane": member(tree["lane_a"], role="unit_staff"),
        "charge": leader,
        "other": member(tree["street_b"], role="unit_staff"),
    }


# (who, group, month asked) → (status, month shown, draft shown)
READS = [
    ("office", "city", "2019-07", 200, "2019-07", True),
    ("office", "district_a", "2019-06", 200, "2019-06", True),
    ("district", "district_a", "2019-06", 200, "2019-06", True),
    ("district", "district_a", "2019-07", 200, "2019-07", False),
    # The city's group is district A's own, but nothing of it is published.
    ("district", "city", "2019-07", 404, None, None),
    ("charge", "city", "2019-07", 404, None, None),
    ("charge", "district_a", "2019-06", 200, "2019-06", True),
    # Street A's staff: their street's group published only; the city's draft never.
    ("staff", "city", "2019-07", 404, None, None),
    ("staff", "district_a", "2019-07", 200, "2019-07", False),
    ("staff", "district_a", "2019-06", 200, "2019-07", False),
    ("staff", "district_b", "2019-07", 404, None, None),
    ("staff", "street_a", "2019-07", 200, "2019-07", True),
    # A lane office's staff: the street's group is theirs (nothing published), no group above.
    ("lane", "street_a", "2019-07", 404, None, None),
    ("lane", "district_a", "2019-07", 404, None, None),
    ("other", "district_a", "2019-07", 404, None, None),
    ("other", "district_b", "2019-07", 404, None, None),
]


@pytest.mark.parametrize(("who", "group", "asked", "status", "shown", "draft"), READS)
def test_each_person_reads_exactly_their_groups(client, months, member, who, group, asked, status,
                                                shown, draft):
    client.force_login(_people(months, member)[who])
    response = client.get(RANKINGS, {"parent": months["tree"][group].pk, "month": asked})
    assert response.status_code == status
    page = response.content.decode()
    assert "乙区机密问题" not in page
    if status == 200:
        assert (str(response.context["month"]), response.context["result"].is_draft) == (shown, draft)
        moved = NOT_PUBLISHED.format(month=asked, latest=shown)
        assert (moved in page) == (asked != shown)


@pytest.mark.parametrize(("url", "status"), [(BULLETIN, 404), (XLSX, 404)])
def test_the_print_view_and_xlsx_of_the_citys_draft_are_not_found_for_street_staff(
        client, months, member, url, status):
    client.force_login(_people(months, member)["staff"])
    response = client.get(url, {"parent": months["tree"]["city"].pk, "month": "2019-07"})
    assert response.status_code == status and "Content-Disposition" not in response


def test_street_staff_get_the_published_month_in_the_print_view_and_xlsx(client, months, member):
    client.force_login(_people(months, member)["staff"])
    district = months["unit"]
    page = client.get(BULLETIN, {"parent": district.pk, "month": "2019-06"})
    assert (page.status_code, str(page.context["month"]), page.context["result"].is_draft) == (
        200, "2019-07", False)
    export = client.get(XLSX, {"parent": district.pk, "month": "2019-06"})
    assert export.status_code == 200
    assert export["Content-Disposition"] == f'attachment; filename="bulletin-{district.code}-2019-07.xlsx"'
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert "2019-07" in str(sheet["A1"].value)


def test_a_group_published_above_is_read_only_by_its_units(client, months, member):
    """The city's July bulletin published: district A's coordinator and 包联 leader read it;
    street A's staff still do not (it is not the group their street is ranked in)."""
    tree = months["tree"]
    publish_bulletin(tree["city"].campaign, JULY, tree["city"], by=None, now=NOW)
    people = _people(months, member)
    for who, status in (("district", 200), ("charge", 200), ("staff", 404), ("other", 404)):
        client.force_login(people[who])
        response = client.get(RANKINGS, {"parent": tree["city"].pk, "month": "2019-07"})
        assert (who, response.status_code) == (who, status)


def test_up_one_level_is_offered_only_to_a_group_one_may_read(client, months, member):
    people = _people(months, member)
    tree = months["tree"]
    client.force_login(people["staff"])
    up = f'<a href="?parent={tree["district_a"].pk}&amp;month=2019-07">'
    assert up in client.get(RANKINGS, {"parent": tree["street_a"].pk, "month": "2019-07"}).content.decode()
    page = client.get(RANKINGS, {"parent": tree["district_a"].pk, "month": "2019-07"}).content.decode()
    assert f'?parent={tree["city"].pk}&amp;' not in page
    client.force_login(people["office"])
    page = client.get(RANKINGS, {"parent": tree["district_a"].pk, "month": "2019-07"}).content.decode()
    assert f'<a href="?parent={tree["city"].pk}&amp;month=2019-07">' in page


def test_months_on_record_offer_published_months_only_to_a_group_of_ones_unit(client, months, member):
    client.force_login(_people(months, member)["staff"])
    response = client.get(RANKINGS, {"parent": months["unit"].pk})
    assert [(str(entry.month), entry.published) for entry, _query in
            response.context["months_on_record"]] == [("2019-07", True)]
    assert str(response.context["month"]) == "2019-07"


def test_staff_of_a_street_without_units_below_land_on_their_streets_group(client, months, member):
    """丙街道 has no lane office: its staff used to be refused the rankings (403)."""
    staff = member(months["streets"][1], role="unit_staff")
    client.force_login(staff)
    response = client.get(RANKINGS)
    assert (response.status_code, response.context["parent"], str(response.context["month"])) == (
        200, months["unit"], "2019-07")


def test_staff_of_a_street_without_units_below_and_nothing_published_are_refused(client, district,
                                                                                member):
    client.force_login(member(district["streets"][1], role="unit_staff"))
    assert client.get(RANKINGS).status_code == 403


@pytest.mark.parametrize("parent", ["0", "-1", "1e9", "9" * 12, "9" * 13, "１", "1 OR 1=1", "%00", ""])
def test_a_malformed_or_unknown_group_is_never_an_error(client, months, member, parent):
    client.force_login(_people(months, member)["staff"])
    for url in (RANKINGS, BULLETIN, XLSX):
        response = client.get(url, {"parent": parent, "month": "2019-07"})
        assert response.status_code == (404 if parent in ("0", "9" * 12) else 200)


@pytest.mark.parametrize(("who", "unit", "status"), [
    ("staff", "street_a", 200), ("staff", "lane_a", 200), ("staff", "district_a", 404),
    ("lane", "street_a", 404), ("district", "street_a", 200), ("other", "street_a", 404),
])
def test_drill_down_and_trend_open_within_scope_only(client, months, member, who, unit, status):
    client.force_login(_people(months, member)[who])
    pk = months["tree"][unit].pk
    detail = client.get(reverse("inspections:unit-score-detail", args=[pk]), {"month": "2019-07"})
    trend = client.get(reverse("inspections:unit-score-trend", args=[pk]))
    assert (detail.status_code, trend.status_code) == (status, status)


@pytest.mark.parametrize(("who", "unit", "back"), [
    ("staff", "street_a", "district_a"), ("lane", "lane_a", None), ("staff", "lane_a", "street_a"),
])
def test_the_drill_downs_way_back_leads_only_to_a_group_that_opens(client, months, member, who,
                                                                  unit, back):
    client.force_login(_people(months, member)[who])
    tree = months["tree"]
    response = client.get(reverse("inspections:unit-score-detail", args=[tree[unit].pk]),
                          {"month": "2019-07"})
    query = response.context["ranking_query"]
    assert query == (f"parent={tree[back].pk}&month=2019-07&kind={tree[unit].kind}" if back else "")
    if back:
        assert client.get(f"{RANKINGS}?{query}").status_code == 200
