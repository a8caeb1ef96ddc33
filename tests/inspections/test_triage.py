"""The duplicate rule of citizen reports (inspections.triage.possible_duplicates), the district a
report lies in, and merging reports into one item (services level)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from campaign.audit.models import ChangeEntry
from inspections import triage, workflow
from inspections.enums import CitizenReportStatus, EventAction
from inspections.models import CitizenReport, Rectification
from inspections.services import InspectionError
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)        # 10:00 in Shanghai
LAT, LON = Decimal("37.870000"), Decimal("112.550000")
# 1e-6 degree of latitude is 0.111 m: these offsets are 49.93 m and 50.15 m north.
NEAR, FAR = Decimal("0.000449"), Decimal("0.000451")


def report(campaign, code, *, at=T0, lat=LAT, lon=LON, category=None, **fields):
    with time_machine.travel(at, tick=False):
        return CitizenReport.objects.create(
            campaign=campaign, tracking_code=code, description=f"报告{code}", location="东街",
            latitude=lat, longitude=lon, category=category, **fields)


@pytest.fixture
def category(tree):
    standard = factories.StandardFactory(campaign=tree["city"].campaign, units=[])
    return factories.CategoryFactory(standard=standard, name="市容环境")


def codes(reports):
    return [d.report.tracking_code for d in reports]


def test_within_50_metres_counts_and_just_past_does_not(tree, category):
    campaign = tree["city"].campaign
    me = report(campaign, "ME", category=category)
    near = report(campaign, "NEAR", lat=LAT + NEAR, category=category)
    report(campaign, "FAR", lat=LAT + FAR, category=category)
    found = triage.possible_duplicates(me)
    assert codes(found) == ["NEAR"]
    assert found[0].distance_m == pytest.approx(49.93, abs=0.01)
    # And back (FAR is 0.2 m from NEAR).
    assert codes(triage.possible_duplicates(near)) == ["ME", "FAR"]


def test_seven_days_either_side_to_the_minute(tree, category):
    campaign = tree["city"].campaign
    me = report(campaign, "ME", category=category)
    week, minute = dt.timedelta(days=7), dt.timedelta(minutes=1)
    report(campaign, "BEFORE-IN", at=T0 - week + minute, category=category)
    report(campaign, "BEFORE-OUT", at=T0 - week - minute, category=category)
    report(campaign, "AFTER-IN", at=T0 + week - minute, category=category)
    report(campaign, "AFTER-OUT", at=T0 + week + minute, category=category)
    report(campaign, "EXACT", at=T0 + week, category=category)
    assert codes(triage.possible_duplicates(me)) == ["BEFORE-IN", "AFTER-IN", "EXACT"]


def test_another_category_or_none_or_no_location_is_not_a_duplicate(tree, category):
    campaign = tree["city"].campaign
    other = factories.CategoryFactory(standard=category.standard, name="交通秩序")
    me = report(campaign, "ME", category=category)
    report(campaign, "OTHER", category=other)
    report(campaign, "NONE", category=None)
    report(campaign, "NOWHERE", lat=None, lon=None, category=category)
    report(factories.UnitFactory(parent=None).campaign, "ELSEWHERE", category=category)
    assert triage.possible_duplicates(me) == []
    assert triage.possible_duplicates(report(campaign, "UNSORTED", category=None)) == []


def test_a_report_filed_at_the_point_is_a_duplicate_at_any_distance_and_time(tree, people, category):
    campaign = tree["city"].campaign
    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(T0, tick=False):
        item = factories.file_item(tree["street_a"], by=people["coordinator"], point=point)
    filed = report(campaign, "FILED", at=T0 - dt.timedelta(days=90), lat=None, lon=None, item=item,
                   status=CitizenReportStatus.ACCEPTED)
    me = report(campaign, "ME", lat=LAT + Decimal("0.1"), category=category)
    assert triage.possible_duplicates(me) == []                 # no point known yet
    # The coordinator picks the point.
    assert [d.report.pk for d in triage.possible_duplicates(me, point)] == [filed.pk]
    with time_machine.travel(T0, tick=False):
        assert [i.pk for i in triage.open_items_at(me, Rectification.objects.all(), point)] == [item.pk]
        workflow.void(item, by=people["coordinator"], version=None, reason="不属实")
    assert triage.open_items_at(me, Rectification.objects.all(), point) == []   # voided: not offered
    # The report's own item at the point finds the others filed there.
    me.item = item
    assert [d.report.pk for d in triage.possible_duplicates(me)] == [filed.pk]


def test_the_district_of_a_report(tree, people):
    campaign = tree["city"].campaign
    factories.PointFactory(unit=tree["street_a"], latitude=LAT, longitude=LON)
    with time_machine.travel(T0, tick=False):
        item_b = factories.file_item(tree["street_b"], by=people["coordinator"])
    near_a = report(campaign, "NEAR-A", lat=LAT + Decimal("0.002"))           # 222 m north
    report(campaign, "FAR", lat=LAT + Decimal("0.003"))                        # 334 m
    filed_b = report(campaign, "FILED-B", item=item_b)                         # at A's point, but filed for B
    in_a = CitizenReport.objects.filter(triage.in_district(tree["district_a"]))
    in_b = CitizenReport.objects.filter(triage.in_district(tree["district_b"]))
    assert set(in_a) == {near_a, filed_b}
    assert list(in_b) == [filed_b]


def test_merge_into_a_new_item_and_refuse_a_second_merge(tree, people, category):
    campaign = tree["city"].campaign
    first = report(campaign, "A1", category=category)
    second = report(campaign, "A2", category=category)
    coordinator = people["coordinator"]
    with time_machine.travel(T0, tick=False):
        merged = triage.merge_into_new_item(first, [second], unit=tree["street_a"], title="垃圾",
                                            deadline=T0 + dt.timedelta(days=3), by=coordinator)
    item = merged.item
    assert set(item.citizen_reports.values_list("tracking_code", "status", "triaged_by")) == {
        ("A1", "accepted", coordinator.pk), ("A2", "accepted", coordinator.pk)}
    assert [(e.action, e.data) for e in item.events.order_by("pk")] == [
        (EventAction.FILED, {"deadline": (T0 + dt.timedelta(days=3)).isoformat(),
                             "unit": tree["street_a"].pk}),
        (EventAction.MERGED, {"report": second.pk})]
    third = report(campaign, "A3", category=category)
    with pytest.raises(InspectionError, match="^随手拍 A2 已处理过：只有待处理的随手拍可以合并。$"):
        triage.attach_to_item(third, [second], item, by=coordinator)
    assert CitizenReport.objects.get(pk=third.pk).item is None      # nothing changed
    # The audit has each report's triage, by whom.
    changes = ChangeEntry.objects.filter(object_id=second.pk, action=ChangeEntry.Action.UPDATE)
    assert {tuple(c.changes.get("status", [])) for c in changes} >= {("new", "accepted")}


def test_attach_refuses_a_closed_or_other_campaign_item(tree, people):
    campaign = tree["city"].campaign
    me = report(campaign, "ME")
    other_unit = factories.UnitFactory(parent=None)
    elsewhere = factories.RectificationFactory(unit=other_unit)
    with pytest.raises(InspectionError, match="属于另一项创建工作"):
        triage.attach_to_item(me, [], elsewhere, by=people["coordinator"])
    closed = factories.RectificationFactory(unit=tree["street_a"], status="closed")
    with pytest.raises(workflow.TransitionError, match="随手拍不能再并入"):
        triage.attach_to_item(me, [], closed, by=people["coordinator"])
    assert CitizenReport.objects.get(pk=me.pk).status == CitizenReportStatus.NEW
