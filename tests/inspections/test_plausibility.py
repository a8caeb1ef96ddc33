"""After-photo plausibility (issue 17): the rule (inspections.plausibility), the close event
that records it, and the unit figures that count it."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import strip_tags

from campaign.models import Photo
from campaign.periods import Month
from inspections import plausibility, services, triage, workflow
from inspections.enums import EventAction as A
from inspections.models import Rectification, RectificationEvent
from tests import factories

pytestmark = pytest.mark.django_db

FILED = dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC)          # 09:00 in Shanghai
SUBMITTED = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)      # 10:00 in Shanghai
CLOSED = SUBMITTED + dt.timedelta(hours=3)
MINUTE = dt.timedelta(minutes=1)
# The point, and photos due north of it: 0.00179° of latitude is 199 m (geo.distance_m gives
# 199.04), 0.001799° 200.04 m, 0.001808° 201.04 m, 0.001803° 200.48 m, 0.001804° 200.60 m.
LAT, LON = D("37.870000"), D("112.550000")


@pytest.fixture
def point(tree):
    return factories.PointFactory(unit=tree["street_a"], latitude=LAT, longitude=LON)


@pytest.fixture
def filed(tree, people, point):
    return workflow.file_rectification(unit=tree["street_a"], title="占道经营", point=point,
                                       by=people["inspector"], at=FILED,
                                       deadline=FILED + dt.timedelta(days=7))


def photo(tree, people, *, taken_at=None, north=None):
    """A stored after-photo whose EXIF gave `taken_at` and a place `north` degrees north of the
    point (None: not recorded)."""
    stored = factories.store_photo_for(tree["street_a"], by=people["staff"])
    latitude = None if north is None else LAT + D(north)
    Photo.objects.filter(pk=stored.pk).update(taken_at=taken_at, latitude=latitude,
                                              longitude=None if north is None else LON)
    stored.refresh_from_db()
    return stored


def submit(item, people, photos, at=SUBMITTED):
    return workflow.submit(item, by=people["staff"], version=None, photos=photos, at=at)


def codes(result):
    return [(w["n"], w["code"]) for w in result.warnings]


def test_taken_before_filing_by_a_minute_warns_at_filing_does_not(filed, tree, people):
    submit(filed, people, [photo(tree, people, taken_at=FILED - MINUTE),
                           photo(tree, people, taken_at=FILED)])
    result = plausibility.check_after_photos(filed)
    assert codes(result) == [(1, "before_filing")]
    assert result.warnings[0]["taken_at"] == "2026-11-03T00:59:00+00:00"
    assert result.warnings[0]["filed_at"] == "2026-11-03T01:00:00+00:00"


@pytest.mark.parametrize(("offset", "warned"), [
    (dt.timedelta(seconds=30), False),        # within CLOCK_TOLERANCE
    (dt.timedelta(seconds=31), True),
])
def test_the_clock_tolerance_is_half_a_minute(filed, tree, people, offset, warned):
    assert plausibility.CLOCK_TOLERANCE == dt.timedelta(seconds=30)
    submit(filed, people, [photo(tree, people, taken_at=FILED - offset),
                           photo(tree, people, taken_at=SUBMITTED + offset)])
    result = plausibility.check_after_photos(filed)
    assert codes(result) == ([(1, "before_filing"), (2, "after_submission")] if warned else [])


def test_taken_after_submission_warns(filed, tree, people):
    submit(filed, people, [photo(tree, people, taken_at=SUBMITTED + MINUTE),
                           photo(tree, people, taken_at=SUBMITTED)])
    result = plausibility.check_after_photos(filed)
    assert codes(result) == [(1, "after_submission")]
    assert result.warnings[0]["submitted_at"] == "2026-11-05T02:00:00+00:00"


@pytest.mark.parametrize(("north", "metres", "warned"), [
    ("0.001790", 199, False),
    ("0.001799", 200, False),                 # exactly R: fine
    ("0.001803", 200, False),                 # 200.48 m: shown and compared as 200
    ("0.001804", 201, True),                  # 200.60 m: 201
    ("0.001808", 201, True),
])
def test_distance_at_the_boundary(filed, tree, people, north, metres, warned):
    submit(filed, people, [photo(tree, people, taken_at=SUBMITTED - MINUTE, north=north)])
    result = plausibility.check_after_photos(filed)
    assert (result.photos[0].metres, result.photos[0].too_far) == (metres, warned)
    assert result.warnings == ([{"photo": result.photos[0].photo.pk, "n": 1, "code": "far",
                                 "metres": metres, "limit": 200}] if warned else [])


def test_the_distance_allowed_is_the_campaigns(filed, tree, people):
    filed.campaign.photo_distance_m = 150
    filed.campaign.save(update_fields=["photo_distance_m"])
    submit(filed, people, [photo(tree, people, north="0.001358")])      # 151 m
    result = plausibility.check_after_photos(filed)
    assert [(w["metres"], w["limit"]) for w in result.warnings] == [(151, 150)]


def test_a_photo_without_exif_is_only_marked(filed, tree, people):
    bare = photo(tree, people)
    submit(filed, people, [bare])
    result = plausibility.check_after_photos(filed)
    check = result.photos[0]
    assert (check.no_time, check.no_place, check.metres, result.warnings) == (True, True, None, [])
    assert result.unmarked == [check]
    with translation.override("zh-hans"):
        assert plausibility.unrecorded(bare) == "未记录拍摄时间/地点"
        assert plausibility.unrecorded(photo(tree, people, taken_at=FILED)) == "未记录拍摄地点"
        assert plausibility.unrecorded(photo(tree, people, north="0")) == "未记录拍摄时间"
        assert plausibility.unrecorded(photo(tree, people, taken_at=FILED, north="0")) == ""


def test_a_point_without_coordinates_gives_no_distance_check(tree, people):
    unplaced = factories.PointFactory(unit=tree["street_a"])
    item = workflow.file_rectification(unit=tree["street_a"], title="t", point=unplaced,
                                       by=people["inspector"], at=FILED,
                                       deadline=FILED + dt.timedelta(days=7))
    submit(item, people, [photo(tree, people, taken_at=FILED + MINUTE, north="0.01")])
    result = plausibility.check_after_photos(item)
    assert (result.point_located, result.photos[0].metres, result.warnings) == (False, None, [])


def test_only_the_latest_submission_is_checked(filed, tree, people):
    submit(filed, people, [photo(tree, people, taken_at=FILED - MINUTE)])
    workflow.return_for_rework(filed, by=people["inspector"], version=None, reason="仍有垃圾",
                               at=SUBMITTED + MINUTE)
    submit(filed, people, [photo(tree, people, taken_at=SUBMITTED + MINUTE)],
           at=SUBMITTED + 2 * MINUTE)
    assert plausibility.check_after_photos(filed).warnings == []


def test_no_submission_nothing_to_check(filed):
    assert plausibility.check_after_photos(filed) is None


def test_the_warnings_in_chinese(filed, tree, people):
    taken = dt.datetime(2026, 11, 2, 0, 10, tzinfo=dt.UTC)           # 08:10 in Shanghai
    submit(filed, people, [photo(tree, people, taken_at=taken),
                           photo(tree, people, taken_at=SUBMITTED + dt.timedelta(hours=1),
                                 north="0.003202")])                  # 356 m
    result = plausibility.check_after_photos(filed)
    with translation.override("zh-hans"):
        assert [plausibility.describe(w) for w in result.warnings] == [
            '照片 1 拍摄于立案之前（拍摄 <span class="text-nowrap">2026-11-02 08:10</span>，'
            '立案 <span class="text-nowrap">2026-11-03 09:00</span>）',
            '照片 2 拍摄于提交整改之后（拍摄 <span class="text-nowrap">2026-11-05 11:00</span>，'
            '提交 <span class="text-nowrap">2026-11-05 10:00</span>）',
            "照片 2 距点位 356 米（允许 200 米）",
        ]


def test_closing_anyway_records_the_warnings(filed, tree, people):
    first = photo(tree, people, taken_at=FILED - MINUTE, north="0.001808")
    submit(filed, people, [first, photo(tree, people, taken_at=SUBMITTED - MINUTE, north="0")])
    workflow.close(filed, by=people["coordinator"], version=None, method="service", at=CLOSED)
    event = RectificationEvent.objects.get(rectification=filed, action=A.CLOSED)
    assert event.photo_warnings == 2
    assert event.data == {"method": "service", "photo_warnings": [
        {"photo": first.pk, "n": 1, "code": "before_filing",
         "taken_at": "2026-11-03T00:59:00+00:00", "filed_at": "2026-11-03T01:00:00+00:00"},
        {"photo": first.pk, "n": 1, "code": "far", "metres": 201, "limit": 200},
    ]}


def test_a_plausible_close_records_no_warning(filed, tree, people):
    submit(filed, people, [photo(tree, people, taken_at=SUBMITTED - MINUTE, north="0")])
    workflow.close(filed, by=people["coordinator"], version=None, method="service", at=CLOSED)
    event = RectificationEvent.objects.get(rectification=filed, action=A.CLOSED)
    assert (event.photo_warnings, event.data) == (0, {"method": "service"})


def test_unit_figures_count_closures_with_photo_warnings(tree, people, point):
    def file_and_submit(taken_at):
        item = workflow.file_rectification(unit=tree["lane_a"], title="t", point=point,
                                           by=people["inspector"], at=FILED,
                                           deadline=FILED + dt.timedelta(days=7))
        submit(item, people, [photo(tree, people, taken_at=taken_at)])
        return item

    warned = [file_and_submit(FILED - MINUTE) for _n in range(2)]
    plain = [file_and_submit(SUBMITTED - MINUTE) for _n in range(3)]
    for item in warned + plain[:2]:
        workflow.close(item, by=people["coordinator"], version=None, method="service", at=CLOSED)
    file_and_submit(FILED - MINUTE)           # warned, not closed: not counted
    now = CLOSED + dt.timedelta(days=1)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        figures = services.unit_figures(tree["street_a"], Month(2026, 11), now=now)
    assert (figures.filed, figures.closed, figures.closed_with_photo_warnings) == (6, 4, 2)
    assert figures.photo_warning_rate == D("50.0")
    # One more filtered count in the items' aggregate, no query more: the campaign's version
    # (the live cache), the items' aggregate, the follow-up answers' and the overdue count.
    assert len(captured.captured_queries) == 4
    assert services.unit_figures(tree["street_b"], Month(2026, 11), now=now).photo_warning_rate is None


def test_a_recorded_value_is_escaped_in_words():
    """The words are HTML (moments kept on one line): what they quote from the record is escaped."""
    with translation.override("zh-hans"):
        assert plausibility.describe({"code": "far", "n": 1, "metres": "<b>9</b>", "limit": 200}) == (
            "照片 1 距点位 &lt;b&gt;9&lt;/b&gt; 米（允许 200 米）")
        assert plausibility.describe({"code": "<i>x</i>"}) == "&lt;i&gt;x&lt;/i&gt;"


# ---- an item filed from citizen reports (随手拍): the problem was known when first reported ----

REPORTED = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)           # 09:00 in Shanghai
HOUR = dt.timedelta(hours=1)
TRIAGED = REPORTED + HOUR + dt.timedelta(days=2)                    # 2026-11-03 10:00 in Shanghai


def citizen_report(tree, at):
    with time_machine.travel(at, tick=False):
        return services.report_problem(campaign=tree["city"].campaign, description="占道经营",
                                       location="甲街口", uploads=[factories.make_jpeg()])


def reported_item(tree, people, point, *, at=REPORTED):
    report = citizen_report(tree, at)
    with time_machine.travel(TRIAGED, tick=False):
        return services.accept_report(report, unit=tree["street_a"], title="占道经营", point=point,
                                      deadline=TRIAGED + dt.timedelta(days=7),
                                      by=people["coordinator"])


def test_a_reported_problem_fixed_before_the_triage_is_not_warned(tree, people, point):
    """Fixed an hour after the citizen's report and two days before the office triaged it."""
    item = reported_item(tree, people, point)
    assert item.created_at == TRIAGED
    submit(item, people, [photo(tree, people, taken_at=REPORTED + HOUR)])
    result = plausibility.check_after_photos(item)
    assert result.found == plausibility.Found(REPORTED, reported=True)
    assert result.warnings == []


def test_a_photo_before_the_report_is_warned_with_the_reports_time(tree, people, point):
    item = reported_item(tree, people, point)
    taken = photo(tree, people, taken_at=REPORTED - HOUR)
    submit(item, people, [taken])
    workflow.close(item, by=people["coordinator"], version=None, method="service", at=CLOSED)
    event = RectificationEvent.objects.get(rectification=item, action=A.CLOSED)
    assert event.data["photo_warnings"] == [
        {"photo": taken.pk, "n": 1, "code": "before_filing",
         "taken_at": "2026-11-01T00:00:00+00:00", "reported_at": "2026-11-01T01:00:00+00:00"}]
    with translation.override("zh-hans"):
        assert plausibility.describe(event.data["photo_warnings"][0]) == (
            '照片 1 拍摄于市民反映问题之前（拍摄 <span class="text-nowrap">2026-11-01 08:00</span>，'
            '反映 <span class="text-nowrap">2026-11-01 09:00</span>）')
    with translation.override("en"):
        assert strip_tags(plausibility.describe(event.data["photo_warnings"][0])) == (
            "Photo 1 was taken before the problem was reported (taken 2026-11-01 08:00; "
            "reported 2026-11-01 09:00)")


def test_the_earliest_report_merged_into_the_item_counts(tree, people, point):
    """A report of the same problem sent a day before the one filed, merged into the item: the
    problem was known from the earlier one."""
    item = reported_item(tree, people, point)
    earlier = citizen_report(tree, REPORTED - dt.timedelta(days=1))
    with time_machine.travel(TRIAGED + HOUR, tick=False):
        triage.attach_to_item(earlier, [], item, by=people["coordinator"])
    submit(item, people, [photo(tree, people, taken_at=REPORTED - HOUR),
                          photo(tree, people, taken_at=REPORTED - dt.timedelta(days=1, hours=1))])
    result = plausibility.check_after_photos(item)
    assert result.found == plausibility.Found(REPORTED - dt.timedelta(days=1), reported=True)
    assert [(w["n"], w["reported_at"]) for w in result.warnings] == [
        (2, "2026-10-31T01:00:00+00:00")]


def test_an_inspection_item_counts_from_its_filing_unless_a_merged_report_came_first(
        filed, tree, people):
    """A report merged into an item an inspector filed: sent after the filing, the filing stays
    the moment; sent before it, the problem was known from the report."""
    later = citizen_report(tree, FILED + HOUR)
    with time_machine.travel(FILED + 3 * HOUR, tick=False):
        triage.attach_to_item(later, [], filed, by=people["coordinator"])
    assert plausibility.found_at(filed) == plausibility.Found(FILED, reported=False)
    before = citizen_report(tree, FILED - 2 * HOUR)
    with time_machine.travel(FILED + 3 * HOUR, tick=False):
        triage.attach_to_item(before, [], filed, by=people["coordinator"])
    assert plausibility.found_at(filed) == plausibility.Found(FILED - 2 * HOUR, reported=True)
    submit(filed, people, [photo(tree, people, taken_at=FILED - HOUR)])
    assert plausibility.check_after_photos(filed).warnings == []


def test_a_report_merged_after_the_fix_was_submitted_does_not_clear_a_warning(tree, people, point):
    """The office merges a report that waited a week into an item whose fix was already sent:
    the warning the verifier was shown stays, and closing records it."""
    item = reported_item(tree, people, point)
    stale = citizen_report(tree, REPORTED - dt.timedelta(days=7))
    taken = photo(tree, people, taken_at=REPORTED - dt.timedelta(days=2))
    submit(item, people, [taken])
    with time_machine.travel(SUBMITTED + HOUR, tick=False):
        triage.attach_to_item(stale, [], item, by=people["coordinator"])
    assert plausibility.found_at(item) == plausibility.Found(REPORTED - dt.timedelta(days=7),
                                                             reported=True)
    result = plausibility.check_after_photos(item)
    assert result.found == plausibility.Found(REPORTED, reported=True)
    assert [(w["n"], w["reported_at"]) for w in result.warnings] == [(1, "2026-11-01T01:00:00+00:00")]


def test_a_report_of_the_earlier_problem_does_not_count_for_its_recurrence(tree, people, point):
    """A report sent while the earlier item was still open, merged into the recurrence: it was
    about the earlier problem, so the recurrence counts from its own filing."""
    earlier = factories.RectificationFactory(
        unit=tree["street_a"], point=point, status="closed", closed_at=REPORTED - HOUR,
        created_at=REPORTED - dt.timedelta(days=5))
    item = reported_item(tree, people, point)
    Rectification.objects.filter(pk=item.pk).update(recurrence_of=earlier)
    item.refresh_from_db()
    old = citizen_report(tree, REPORTED - 2 * HOUR)
    with time_machine.travel(TRIAGED + HOUR, tick=False):
        triage.attach_to_item(old, [], item, by=people["coordinator"])
    assert plausibility.found_at(item) == plausibility.Found(REPORTED, reported=True)
    Rectification.objects.filter(pk=item.pk).update(recurrence_of=None)
    assert plausibility.found_at(item) == plausibility.Found(REPORTED - 2 * HOUR, reported=True)
