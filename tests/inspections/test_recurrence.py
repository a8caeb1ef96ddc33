"""Recurrence (复发): the window around an earlier closure, what the item page and the event log
show, and 复发率 in a unit's figures."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from inspections import recurrence, services
from inspections.models import Rectification
from tests import factories

pytestmark = pytest.mark.django_db

# A visit on 10 July 2019 at 10:00 in Shanghai; the campaign's window is 30 days by default.
VISIT = dt.datetime(2019, 7, 10, 2, 0, tzinfo=dt.UTC)
DAY, SECOND = dt.timedelta(days=1), dt.timedelta(seconds=1)


@pytest.fixture
def place(tree):
    """A point of street A, a criterion, and another point and criterion beside them."""
    return {
        "point": factories.PointFactory(unit=tree["street_a"]),
        "other_point": factories.PointFactory(unit=tree["street_a"]),
        "criterion": factories.CriterionFactory(category__standard__campaign=tree["city"].campaign),
        "other_criterion": factories.CriterionFactory(
            category__standard__campaign=tree["city"].campaign),
    }


def closed(unit, point, criterion, closed_at, *, status="closed", **fields):
    return factories.RectificationFactory(
        unit=unit, point=point, criterion=criterion, status=status,
        closed_at=closed_at if status == "closed" else None,
        created_at=closed_at - 5 * DAY, **fields)


def file_at(tree, people, place, *, at=VISIT, point=None, criterion=None):
    return factories.file_item(
        tree["street_a"], by=people["inspector"], at=at, deadline=at + 3 * DAY,
        point=point or place["point"], criterion=criterion or place["criterion"])


@pytest.mark.parametrize(("closed_before", "recurs"), [
    (29 * DAY, True),                 # N − 1 days
    (30 * DAY, True),                 # exactly N days: counts
    (30 * DAY + SECOND, False),       # just outside the window
    (31 * DAY, False),                # N + 1 days
    (SECOND, True),
    (-SECOND, False),                 # closed after the visit: not fixed when it was found
])
def test_the_window_is_n_days_before_the_visit_both_ends_included(tree, people, place,
                                                                   closed_before, recurs):
    earlier = closed(tree["street_a"], place["point"], place["criterion"], VISIT - closed_before)
    item = file_at(tree, people, place)
    assert item.recurrence_of == (earlier if recurs else None)


@pytest.mark.parametrize(("days", "closed_before", "recurs"), [
    (7, 7 * DAY, True), (7, 7 * DAY + SECOND, False), (7, 8 * DAY, False),
    (365, 365 * DAY, True), (1, DAY + SECOND, False),
])
def test_the_window_follows_the_campaign_setting(tree, people, place, days, closed_before, recurs):
    campaign = tree["city"].campaign
    campaign.recurrence_days = days
    campaign.save()
    earlier = closed(tree["street_a"], place["point"], place["criterion"], VISIT - closed_before)
    assert file_at(tree, people, place).recurrence_of == (earlier if recurs else None)


def test_another_point_another_criterion_and_voided_or_open_items_never_count(tree, people, place):
    unit = tree["street_a"]
    closed(unit, place["other_point"], place["criterion"], VISIT - DAY)
    closed(unit, place["point"], place["other_criterion"], VISIT - DAY)
    closed(unit, place["point"], place["criterion"], VISIT - DAY, status="voided")
    closed(unit, place["point"], place["criterion"], VISIT - DAY, status="submitted")
    assert file_at(tree, people, place).recurrence_of is None


def test_the_latest_closure_is_the_earlier_item(tree, people, place):
    unit = tree["street_a"]
    closed(unit, place["point"], place["criterion"], VISIT - 20 * DAY)
    latest = closed(unit, place["point"], place["criterion"], VISIT - 2 * DAY)
    closed(unit, place["point"], place["criterion"], VISIT - 10 * DAY)
    assert file_at(tree, people, place).recurrence_of == latest


def test_no_point_or_no_criterion_is_never_a_recurrence(tree, people, place):
    closed(tree["street_a"], place["point"], place["criterion"], VISIT - DAY)
    campaign = tree["city"].campaign
    assert recurrence.earlier_item(campaign, None, place["criterion"], VISIT) is None
    assert recurrence.earlier_item(campaign, place["point"], None, VISIT) is None
    item = factories.file_item(tree["street_a"], by=people["inspector"], at=VISIT,
                               deadline=VISIT + DAY, point=place["point"])
    assert item.recurrence_of is None


def test_an_item_of_another_campaign_never_counts(tree, people, place):
    stranger = factories.UnitFactory(parent=None, kind="headquarters")
    closed(stranger, place["point"], place["criterion"], VISIT - DAY)
    assert file_at(tree, people, place).recurrence_of is None


def test_a_finding_recurs_from_its_visit_time_and_the_event_says_so(tree, people):
    campaign = tree["city"].campaign
    criterion = factories.CriterionFactory(category__standard__campaign=campaign,
                                           point_kinds=["back_street"])
    point = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    earlier = closed(tree["street_a"], point, criterion, VISIT - 30 * DAY)
    # Recorded two days after the visit: the window counts from the visit, not from the record.
    with time_machine.travel(VISIT + 2 * DAY, tick=False):
        visit = services.record_visit(point=point, by=people["inspector"], mode="open",
                                      visited_at=VISIT,
                                      findings=[services.FindingInput(criterion=criterion)])
    item = Rectification.objects.get(finding__inspection=visit)
    assert (item.source, item.recurrence_of) == ("finding", earlier)
    filed = item.events.get(action="filed")
    assert (filed.data["recurrence_of"], filed.data["recurrence_of_code"]) == (earlier.pk, earlier.code)


def test_the_item_page_links_the_earlier_item_only_within_scope(client, tree, people, place):
    # The earlier item was street B's (the point changed hands): street A's staff see the flag,
    # not the link; the city coordinator sees both.
    earlier = closed(tree["street_b"], place["point"], place["criterion"],
                     timezone.make_aware(dt.datetime(2019, 7, 1, 9, 30)), code="YB-2019-0007")
    item = file_at(tree, people, place)
    url = reverse("inspections:rectification-detail", args=[item.pk])
    client.force_login(people["coordinator"])
    page = client.get(url).content.decode()
    assert 'id="recurrence-badge"' in page and ">复发<" in page
    assert (f'同一点位的同一问题已于 2019-07-01 09:30 结案（<a href="{earlier.get_absolute_url()}">'
            "YB-2019-0007</a>）。") in page
    assert "标记为复发" in page                           # the timeline's filed event
    client.force_login(people["staff"])
    page = client.get(url).content.decode()
    assert 'id="recurrence-badge"' in page
    assert "YB-2019-0007" not in page and earlier.get_absolute_url() not in page
    assert "不在您的范围内" in page
    assert client.get(earlier.get_absolute_url()).status_code == 404
    # The printed item says the same, and no more.
    printed = reverse("inspections:rectification-print", args=[item.pk])
    page = client.get(printed).content.decode()
    assert 'id="print-recurrence"' in page and "不在您的范围内" in page and "YB-2019-0007" not in page
    client.force_login(people["coordinator"])
    page = client.get(printed).content.decode()
    assert "同一点位的同一问题已于 2019-07-01 09:30 结案" in page and "YB-2019-0007" in page


def test_an_item_that_does_not_recur_shows_no_flag(client, tree, people, place):
    item = file_at(tree, people, place)
    client.force_login(people["coordinator"])
    page = client.get(reverse("inspections:rectification-detail", args=[item.pk])).content.decode()
    assert "recurrence-badge" not in page and "item-recurrence" not in page


def test_the_recurrence_rate_counts_items_filed_from_findings(client, tree, people, place):
    """July in street A: four items from findings (one a recurrence, one a recurrence voided
    since), a recurrence filed by hand, one from a finding in the lane office that recurs; in
    street B, a recurrence; in June, a recurrence. 复发率 of street A = 2 / 4 = 50.0 %."""
    july = timezone.make_aware(dt.datetime(2019, 7, 10, 9, 0))
    earlier = closed(tree["street_a"], place["point"], place["criterion"], july - 40 * DAY)

    def filed(unit, *, source="finding", recurs=False, status="open", at=july):
        factories.RectificationFactory(unit=unit, source=source, status=status, created_at=at,
                                       recurrence_of=earlier if recurs else None)

    filed(tree["street_a"], recurs=True)
    filed(tree["street_a"], recurs=True, status="voided")    # out of the base
    filed(tree["street_a"])
    filed(tree["street_a"])
    filed(tree["street_a"], source="standalone", recurs=True)   # not from a finding
    filed(tree["lane_a"], recurs=True)
    filed(tree["street_b"], recurs=True)
    filed(tree["street_a"], recurs=True, at=july - 30 * DAY)
    with time_machine.travel(july + 20 * DAY, tick=False):
        client.force_login(people["coordinator"])
        response = client.get(reverse("inspections:unit-figures", args=[tree["street_a"].pk]),
                              {"month": "2019-07"})
    figures = response.context["figures"]
    assert (figures.filed, figures.from_findings, figures.recurred) == (5, 4, 2)
    assert figures.recurrence_rate == D("50.0")
    page = response.content.decode()
    assert "复发率" in page and "50.0%" in page and "2 / 4" in page
    # The definition names the base and the campaign's window.
    assert ("本基数中由督查发现问题立案的事项里，复发事项所占的比例。复发：同一点位、同一测评项的"
            "问题，在此前的整改事项结案后 30 天内再次发现。") in page
    with time_machine.travel(july + 20 * DAY, tick=False):
        street_b = client.get(reverse("inspections:unit-figures", args=[tree["street_b"].pk]),
                              {"month": "2019-07"}).context["figures"]
        june = client.get(reverse("inspections:unit-figures", args=[tree["street_a"].pk]),
                          {"month": "2019-06"}).context["figures"]
    assert (street_b.recurred, street_b.from_findings, street_b.recurrence_rate) == (1, 1, D("100.0"))
    assert (june.recurred, june.from_findings, june.recurrence_rate) == (1, 1, D("100.0"))


@pytest.mark.parametrize(("recurred", "from_findings", "rate"), [
    (0, 0, None), (0, 3, D("0.0")), (1, 3, D("33.3")), (2, 3, D("66.7")), (1, 8, D("12.5")),
])
def test_the_recurrence_rate_is_rounded_half_up_to_a_tenth(recurred, from_findings, rate):
    figures = services.UnitFigures(filed=from_findings, disposed=0, disposed_on_time=0, closed=0,
                                   closed_on_time=0, reworked=0, extended=0, overdue_now=0,
                                   from_findings=from_findings, recurred=recurred)
    assert figures.recurrence_rate == rate


def test_the_item_list_filters_and_marks_recurrences(client, tree, people, place):
    closed(tree["street_a"], place["point"], place["criterion"], VISIT - DAY)
    again = file_at(tree, people, place)
    other = file_at(tree, people, place, point=place["other_point"])
    client.force_login(people["coordinator"])
    url = reverse("inspections:rectification-list")
    everything = client.get(url).content.decode()
    assert again.code in everything and other.code in everything
    assert everything.count('recurrence-badge">复发<') == 2       # the table's row and the card
    only = client.get(url, {"recurrence": "on"})
    assert [row.code for row in only.context["rows"]] == [again.code]
    assert 'id="id_recurrence"' in only.content.decode()
