"""Recurrence (复发): the window around an earlier closure, what the item page and the event log
show, and 复发率 in a unit's figures."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def _later(page: str) -> list[str]:
    """The later items an item's page names, as their lines read."""
    listed = re.search(r'<ul class="mb-1" id="later-items">(.*?)</ul>', page, re.S)
    return [re.sub(r"<[^>]+>", "", line).strip()
            for line in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)] if listed else []


@pytest.fixture
def recurred(tree, people, place):
    """An item of street A closed on 1 July, then the same problem found again twice: on
    10 July in street A, on 11 July in street B (the point changed hands); a third time on
    12 July in street A, voided since (never a real problem)."""
    earlier = closed(tree["street_a"], place["point"], place["criterion"],
                     timezone.make_aware(dt.datetime(2019, 7, 1, 9, 30)), code="JA-2019-0001")
    first = factories.file_item(tree["street_a"], by=people["inspector"], at=VISIT,
                                deadline=VISIT + 3 * DAY, point=place["point"],
                                criterion=place["criterion"])
    second = factories.file_item(tree["street_b"], by=people["inspector"], at=VISIT + DAY,
                                 deadline=VISIT + 4 * DAY, point=place["point"],
                                 criterion=place["criterion"])
    voided = factories.file_item(tree["street_a"], by=people["inspector"], at=VISIT + 2 * DAY,
                                 deadline=VISIT + 5 * DAY, point=place["point"],
                                 criterion=place["criterion"])
    Rectification.objects.filter(pk=voided.pk).update(status="voided")
    assert first.recurrence_of == second.recurrence_of == voided.recurrence_of == earlier
    return {"earlier": earlier, "first": first, "second": second, "voided": voided}


def test_the_earlier_item_names_the_items_that_recur_from_it(client, people, recurred):
    earlier, first, second = recurred["earlier"], recurred["first"], recurred["second"]
    client.force_login(people["coordinator"])
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert "此问题后来复发 2 次：" in page
    assert _later(page) == [f"{first.code} · 立案 2019-07-10 · 待整改",
                            f"{second.code} · 立案 2019-07-11 · 待整改"]
    assert f'<a class="alert-link" href="{first.get_absolute_url()}">{first.code}</a>' in page
    assert f'<a class="alert-link" href="{second.get_absolute_url()}">{second.code}</a>' in page
    assert recurred["voided"].code not in page
    assert 'id="later-hidden"' not in page and 'id="later-more"' not in page
    printed = client.get(reverse("inspections:rectification-print", args=[earlier.pk]))
    page = printed.content.decode()
    assert 'id="print-recurred"' in page and "后来复发" in page and "此问题后来复发 2 次：" in page
    assert _later(page) == [f"{first.code} · 立案 2019-07-10 · 待整改",
                            f"{second.code} · 立案 2019-07-11 · 待整改"]


def test_a_later_item_outside_the_readers_area_is_counted_not_named(client, people, recurred):
    # Street A's staff see the earlier item and the first recurrence, not street B's.
    earlier, first, second = recurred["earlier"], recurred["first"], recurred["second"]
    client.force_login(people["staff"])
    for url in (earlier.get_absolute_url(),
                reverse("inspections:rectification-print", args=[earlier.pk])):
        page = client.get(url).content.decode()
        assert "此问题后来复发 2 次：" in page
        assert _later(page) == [f"{first.code} · 立案 2019-07-10 · 待整改"]
        assert '<p class="mb-0" id="later-hidden">另有 1 项不在您的查看范围内。</p>' in page
        assert second.code not in page and second.get_absolute_url() not in page
    # In English, by default.
    client.cookies["django_language"] = "en"
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert "This problem came back 2 times later:" in page
    assert _later(page) == [f"{first.code} · filed 2019-07-10 · Open"]
    assert "1 more is outside your area." in page


def test_the_earlier_item_lists_twenty_and_counts_the_rest(client, tree, people, place):
    earlier = closed(tree["street_a"], place["point"], place["criterion"], VISIT - 5 * DAY)
    for n in range(23):
        factories.RectificationFactory(unit=tree["street_b" if n == 0 else "street_a"],
                                       recurrence_of=earlier, code=f"JA-2019-{n + 100:04d}",
                                       created_at=VISIT + n * DAY)
    client.force_login(people["staff"])
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert "此问题后来复发 23 次：" in page
    # The first twenty the reader may see, in the order filed (street B's 0100 is not one).
    assert [line.split(" · ")[0] for line in _later(page)] == [
        f"JA-2019-{n:04d}" for n in range(101, 121)]
    assert '<p class="mb-1" id="later-more">另有 2 项未列出。</p>' in page
    assert '<p class="mb-0" id="later-hidden">另有 1 项不在您的查看范围内。</p>' in page
    assert "JA-2019-0100" not in page and "JA-2019-0121" not in page


def test_an_item_nothing_recurred_from_says_nothing(client, tree, people, place):
    earlier = closed(tree["street_a"], place["point"], place["criterion"], VISIT - 5 * DAY)
    client.force_login(people["coordinator"])
    assert "item-recurred" not in client.get(earlier.get_absolute_url()).content.decode()
    printed = client.get(reverse("inspections:rectification-print", args=[earlier.pk]))
    assert "print-recurred" not in printed.content.decode()


@pytest.mark.parametrize(("who", "page", "expected"), [
    # Measured before the later items were listed: 11, 8, 9 and 7 queries; one more now.
    ("coordinator", "rectification-detail", 12), ("coordinator", "rectification-print", 9),
    ("staff", "rectification-detail", 10), ("staff", "rectification-print", 8),
])
def test_listing_the_later_items_costs_one_query_whatever_their_number(
        client, tree, people, place, who, page, expected):
    earlier = closed(tree["street_a"], place["point"], place["criterion"], VISIT - 5 * DAY)
    url = reverse(f"inspections:{page}", args=[earlier.pk])
    client.force_login(people[who])

    def queries():
        client.get(url)                      # warm the nav's cached parts
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    counts = [queries()]
    for added in (2, 23):                    # none, then 2, then 25 later items (half hidden)
        for n in range(added):
            factories.RectificationFactory(unit=tree["street_b" if n % 2 else "street_a"],
                                           recurrence_of=earlier)
        counts.append(queries())
    assert counts == [expected] * 3
    assert Rectification.objects.filter(recurrence_of=earlier).count() == 25


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


def test_a_reader_who_sees_none_of_the_later_items_reads_one_sentence(client, tree, people, place):
    """Every later item in street B: street A's staff read that the problem came back there,
    counted, with no list to add to."""
    earlier = closed(tree["street_a"], place["point"], place["criterion"], VISIT - 5 * DAY)
    for n in range(2):
        factories.RectificationFactory(unit=tree["street_b"], recurrence_of=earlier,
                                       code=f"JB-2019-{n + 1:04d}", created_at=VISIT + n * DAY)
    client.force_login(people["staff"])
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert '<p class="mb-0" id="later-hidden">此问题后来复发 2 次，所涉事项不在您的查看范围内。</p>' in page
    assert _later(page) == [] and "复发 2 次：" not in page and "另有" not in page
    assert "JB-2019-0001" not in page and "JB-2019-0002" not in page
