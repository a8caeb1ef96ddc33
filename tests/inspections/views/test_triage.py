"""The campaign office's triage pages (inspections.views.triage): the list's order, paging,
filters and bounds; a report's duplicates; merging and rejecting through the page."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import User
from inspections.enums import CitizenReportStatus, EventAction
from inspections.models import CitizenReport, Rectification
from inspections.permissions import reports_awaiting_triage
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)        # 10:00 in Shanghai
NOW = T0 + dt.timedelta(days=2)
LAT, LON = Decimal("37.870000"), Decimal("112.550000")
LIST = reverse("inspections:report-list")


def report(campaign, code, *, at=T0, **fields):
    with time_machine.travel(at, tick=False):
        return CitizenReport.objects.create(
            campaign=campaign, tracking_code=code, description=f"报告{code}", location="东街",
            **fields)


def detail(report):
    return reverse("inspections:report-detail", args=[report.pk])


def listed(client, query=""):
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [r.tracking_code for r in response.context["reports"]], response


@pytest.fixture
def office(client, people):
    client.force_login(people["coordinator"])
    return client


@pytest.fixture
def category(tree):
    return factories.CategoryFactory(standard__campaign=tree["city"].campaign, name="市容环境")


@pytest.fixture
def spread(tree, people, category):
    """Five reports an hour apart: N1–N3 new (N2 with the category), A accepted as an item of
    street B, R rejected (newest)."""
    campaign = tree["city"].campaign
    with time_machine.travel(T0, tick=False):
        item = factories.file_item(tree["street_b"], by=people["coordinator"])
    hour = dt.timedelta(hours=1)
    rows = {
        "N3": report(campaign, "N3", at=T0 + 2 * hour),
        "N1": report(campaign, "N1", at=T0),
        "N2": report(campaign, "N2", at=T0 + hour, category=category),
        "A": report(campaign, "A", at=T0 + 3 * hour, item=item, status=CitizenReportStatus.ACCEPTED),
        "R": report(campaign, "R", at=T0 + 4 * hour, status=CitizenReportStatus.REJECTED, reason="重复"),
    }
    return rows


def test_untriaged_first_oldest_first_other_statuses_newest_first(office, spread):
    with time_machine.travel(NOW, tick=False):
        assert listed(office)[0] == ["N1", "N2", "N3"]
        assert listed(office, "?order=newest")[0] == ["N3", "N2", "N1"]
        assert listed(office, "?status=")[0] == ["R", "A", "N3", "N2", "N1"]
        assert listed(office, "?status=&order=oldest")[0] == ["N1", "N2", "N3", "A", "R"]
        assert listed(office, "?status=accepted")[0] == ["A"]
        assert listed(office, "?status=rejected")[0] == ["R"]


def test_each_filter(office, spread, tree, category):
    with time_machine.travel(NOW, tick=False):
        assert listed(office, f"?category={category.pk}")[0] == ["N2"]
        assert listed(office, f"?status=&district={tree['district_b'].pk}")[0] == ["A"]
        assert listed(office, f"?status=&district={tree['district_a'].pk}")[0] == []
        # Dates are days in Shanghai: T0 is 2026-06-10 10:00 there, all five that day.
        assert listed(office, "?status=&sent_from=2026-06-10&sent_to=2026-06-10")[0] == [
            "R", "A", "N3", "N2", "N1"]
        assert listed(office, "?status=&sent_from=2026-06-11")[0] == []
        assert listed(office, "?status=&sent_to=2026-06-09")[0] == []


def test_page_two_is_reachable_in_order(office, tree):
    campaign = tree["city"].campaign
    for n in range(23):
        report(campaign, f"P{n:02d}", at=T0 + dt.timedelta(minutes=n))
    with time_machine.travel(NOW, tick=False):
        first, response = listed(office, "?per_page=20")
        assert first == [f"P{n:02d}" for n in range(20)]
        next_url = response.context["next_url"]
        second, response = listed(office, next_url)
        assert second == ["P20", "P21", "P22"] and response.context["next_url"] is None
        assert response.context["first_url"] is not None


@pytest.mark.parametrize("query", [
    "?status=bogus", "?category=abc", "?category=999999", "?district=999999", "?district=x",
    "?sent_from=2026-13-45", "?sent_to=9999-12-31", "?sent_from=0001-01-01", "?after=zzz~x",
    "?after=0001-01-01T00:00:00%2B14:00~1", "?per_page=100000", "?order=sideways",
    "?status=" + "x" * 5000,
])
def test_bad_parameters_are_left_out_never_an_error(office, spread, query):
    with time_machine.travel(NOW, tick=False):
        codes, _response = listed(office, query)
    assert set(codes) <= {"N1", "N2", "N3", "A", "R"}


def test_a_bad_status_shows_the_new_reports_with_a_warning(office, spread):
    with time_machine.travel(NOW, tick=False):
        codes, response = listed(office, "?status=bogus")
    assert codes == ["N1", "N2", "N3"]
    assert [str(m) for m in response.context["messages"]] == ["状态不存在：显示的是待分拣的随手拍。"]


def _queries(client, query=""):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST + query).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_whatever_its_length(office, tree, category, spread):
    with time_machine.travel(NOW, tick=False):
        few = _queries(office, "?status=")
        for n in range(30):
            report(tree["city"].campaign, f"M{n:02d}", at=T0, category=category)
        assert _queries(office, "?status=") == few == 9


def test_the_page_shows_duplicates_and_files_one_item_for_two(office, tree, people, category):
    campaign = tree["city"].campaign
    me = report(campaign, "ME", latitude=LAT, longitude=LON, category=category)
    twin = report(campaign, "TWIN", at=T0 + dt.timedelta(hours=1), latitude=LAT + Decimal("0.0002"),
                  longitude=LON, category=category)
    report(campaign, "ELSE", latitude=LAT + Decimal("0.001"), longitude=LON, category=category)
    with time_machine.travel(NOW, tick=False):
        page = office.get(detail(me))
        assert [d.report.tracking_code for d in page.context["duplicates"]] == ["TWIN"]
        assert f'name="merge" value="{twin.pk}"' in page.content.decode()
        response = office.post(detail(me), {
            "accept": "1", "unit": tree["street_a"].pk, "title": "垃圾满溢", "merge": [twin.pk],
            "deadline": "2026-06-20T18:00"})
    assert response.status_code == 302
    item = Rectification.objects.get()
    assert response["Location"] == item.get_absolute_url()
    assert sorted(item.citizen_reports.values_list("tracking_code", "status")) == [
        ("ME", "accepted"), ("TWIN", "accepted")]
    assert list(item.events.values_list("action", flat=True).order_by("pk")) == [
        EventAction.FILED, EventAction.MERGED]
    # The nav's and the home page's count of reports to triage: the one left.
    assert reports_awaiting_triage(User.objects.get(pk=people["coordinator"].pk)) == 1
    with time_machine.travel(NOW, tick=False):
        body = office.get(LIST).content.decode()
    assert 'id="nav-reports">市民随手拍 <span class="badge rounded-pill text-bg-light">1</span>' in body


def test_attach_to_an_existing_item_of_a_duplicate(office, tree, people, category):
    campaign = tree["city"].campaign
    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(T0, tick=False):
        item = factories.file_item(tree["street_a"], by=people["coordinator"], point=point)
    report(campaign, "OLD", item=item, status=CitizenReportStatus.ACCEPTED)
    me = report(campaign, "ME", at=T0 + dt.timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        page = office.get(detail(me) + f"?point={point.pk}")
        assert [d.report.tracking_code for d in page.context["duplicates"]] == ["OLD"]
        assert page.context["open_items"] == [item]
        response = office.post(detail(me), {"attach": item.pk})
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    me.refresh_from_db()
    assert (me.item, me.status, me.triaged_by) == (item, "accepted", people["coordinator"])
    event = item.events.get(action=EventAction.MERGED)
    assert (event.data, event.actor, event.from_status, event.to_status) == (
        {"report": me.pk}, people["coordinator"], "open", "open")
    # Merged again: refused, said plainly, nothing changes.
    with time_machine.travel(NOW, tick=False):
        again = office.post(detail(me), {"attach": item.pk}, follow=True)
    assert "ME" in again.content.decode() and item.events.filter(action=EventAction.MERGED).count() == 1
    assert [str(m) for m in again.context["messages"]] == [
        f"1 条随手拍现并入事项 {item.code}。",             # the first merge's, not yet shown
        "随手拍 ME 已处理过：只有待处理的随手拍可以合并。"]


def test_another_campaigns_item_is_not_found(office, tree, people):
    me = report(tree["city"].campaign, "ME")
    elsewhere = factories.RectificationFactory(unit=factories.UnitFactory(parent=None))
    assert office.post(detail(me), {"attach": elsewhere.pk}).status_code == 404
    assert office.post(detail(me), {"attach": "x"}).status_code == 404
    # "²" is a digit to str.isdigit() but not to int(): not found, never a server error.
    assert office.post(detail(me), {"attach": "²"}).status_code == 404
    assert office.get(detail(me), {"point": "²"}).status_code == 200
    assert CitizenReport.objects.get(pk=me.pk).status == CitizenReportStatus.NEW


def test_reject_without_a_reason_errs_on_the_field_and_keeps_the_text(office, tree, client):
    me = report(tree["city"].campaign, "ME")
    with time_machine.travel(NOW, tick=False):
        response = office.post(detail(me), {"reject": "1", "reason": "  ", "title": "我写的标题"})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["reason"]
    body = response.content.decode()
    assert 'value="我写的标题"' in body and 'aria-invalid="true"' in body
    with time_machine.travel(NOW, tick=False):
        assert office.post(detail(me), {"reject": "1", "reason": "不在本市"}).status_code == 302
    client.logout()
    track = client.get(reverse("inspections:report-track") + "?code=ME")
    assert "不在本市" in track.content.decode()


def test_filing_without_a_unit_errs_on_the_unit_field_and_the_page_leads_back_to_the_list(
        office, tree):
    me = report(tree["city"].campaign, "ME")
    with time_machine.travel(NOW, tick=False):
        response = office.post(detail(me), {"accept": "1", "title": "井盖缺失"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"unit": ["请选择负责整改的单位。"]}
    body = response.content.decode()
    assert f'<a href="{reverse("inspections:report-list")}">市民随手拍</a>' in body
    assert 'value="井盖缺失"' in body
    with time_machine.travel(NOW, tick=False):
        untitled = office.post(detail(me), {"accept": "1", "unit": tree["street_a"].pk})
    assert untitled.context["form"].errors == {"title": ["请填写事项标题。"]}
    assert CitizenReport.objects.get(pk=me.pk).status == CitizenReportStatus.NEW


def test_the_report_page_costs_the_same_queries_whatever_its_duplicates(office, tree, category):
    campaign = tree["city"].campaign
    me = report(campaign, "ME", latitude=LAT, longitude=LON, category=category)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert office.get(detail(me)).status_code == 200
        return len(captured)

    with time_machine.travel(NOW, tick=False):
        alone = count()
        for n in range(5):
            report(campaign, f"D{n}", latitude=LAT, longitude=LON, category=category)
        assert count() == alone
