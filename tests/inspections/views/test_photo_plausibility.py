"""The item page's photo warnings, closing over them, the figures row and the setting (issue 17)."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags

from campaign.models import Photo
from inspections import services, triage, workflow
from inspections.enums import EventAction as A
from inspections.models import RectificationEvent, ScoringSettingsChange
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

FILED = dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC)          # 09:00 in Shanghai
SUBMITTED = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)      # 10:00 in Shanghai
NOW = SUBMITTED + dt.timedelta(hours=3)
LAT, LON = D("37.870000"), D("112.550000")
EARLY = dt.datetime(2026, 11, 2, 0, 10, tzinfo=dt.UTC)         # 08:10 in Shanghai, before filing


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def point(tree):
    return factories.PointFactory(unit=tree["street_a"], latitude=LAT, longitude=LON)


def after_photo(tree, people, *, taken_at=None, north=None):
    stored = factories.store_photo_for(tree["street_a"], by=people["staff"])
    Photo.objects.filter(pk=stored.pk).update(
        taken_at=taken_at, latitude=None if north is None else LAT + D(north),
        longitude=None if north is None else LON)
    stored.refresh_from_db()
    return stored


def submitted_item(tree, people, point, photos):
    item = workflow.file_rectification(unit=tree["street_a"], title="占道经营", point=point,
                                       by=people["inspector"], at=FILED,
                                       deadline=FILED + dt.timedelta(days=7))
    return workflow.submit(item, by=people["staff"], version=None, photos=photos, at=SUBMITTED)


def page(client, user, item):
    return login(client, user).get(item.get_absolute_url()).content.decode()


def items(html):
    """The list items' words, tags left out (a moment is wrapped to stay on one line)."""
    return [strip_tags(text) for text in re.findall(r"<li>(.*?)</li>", html)]


def box(body):
    found = re.search(r'<section class="alert[^"]*" id="photo-check".*?</section>', body, re.S)
    return found.group(0) if found else ""


def test_the_verifier_is_warned_in_words(client, tree, people, point):
    item = submitted_item(tree, people, point, [
        after_photo(tree, people, taken_at=EARLY, north="0"),
        after_photo(tree, people, taken_at=SUBMITTED - dt.timedelta(hours=1), north="0.003202"),
        after_photo(tree, people),
    ])
    section = box(page(client, people["coordinator"], item))
    assert 'class="alert alert-warning small"' in section
    assert items(section) == [
        "照片 1 拍摄于立案之前（拍摄 2026-11-02 08:10，立案 2026-11-03 09:00）",
        "照片 2 距点位 356 米（允许 200 米）",
    ]
    assert '（拍摄 <span class="text-nowrap">2026-11-02 08:10</span>，' in section
    # The photos the warnings name, beside them, captioned with their numbers.
    shown = re.findall(r'<a class="text-center link-dark" href="/photos/(\d+)/"[^>]*><img[^>]*>(.*?)</a>',
                       section)
    photos = list(item.events.get(action=A.SUBMITTED).photos.values_list("pk", flat=True))
    assert shown == [(str(photos[0]), "照片 1"), (str(photos[1]), "照片 2")]
    assert "1 张照片未记录拍摄时间或地点，相应项目无法核对。" in section
    assert "仍可结案：以上提示将记入结案记录。" in section
    assert 'id="photo-no-point-place"' not in section


def test_plausible_photos_say_so(client, tree, people, point):
    item = submitted_item(tree, people, point, [
        after_photo(tree, people, taken_at=SUBMITTED - dt.timedelta(hours=1), north="0.001799")])
    section = box(page(client, people["coordinator"], item))
    assert 'class="alert alert-light border small"' in section
    assert ('<p class="mb-1" id="photo-no-warnings">没有照片拍摄于立案之前、提交整改之后或距点位过远。</p>'
            in section)


def test_a_point_without_coordinates_is_said(client, tree, people):
    unplaced = factories.PointFactory(unit=tree["street_a"])
    item = submitted_item(tree, people, unplaced, [
        after_photo(tree, people, taken_at=SUBMITTED - dt.timedelta(hours=1), north="0.01")])
    section = box(page(client, people["coordinator"], item))
    assert "该点位没有坐标，未核对照片的拍摄距离。" in section and "<li>" not in section


def test_only_who_may_close_sees_the_box_everyone_sees_the_marks(client, tree, people, point):
    item = submitted_item(tree, people, point, [
        after_photo(tree, people, taken_at=EARLY), after_photo(tree, people)])
    for who in ("staff", "leader"):
        body = page(client, people[who], item)
        assert 'id="photo-check"' not in body
        assert re.findall(r'<figcaption class="small text-muted photo-unrecorded">(.*?)</figcaption>',
                          body) == ["未记录拍摄地点", "未记录拍摄时间/地点"]


def test_the_item_page_does_not_query_per_photo(client, tree, people, point):
    def queries(count):
        item = submitted_item(tree, people, point, [
            after_photo(tree, people, taken_at=EARLY, north="0.01") for _n in range(count)])
        client.get(item.get_absolute_url())         # warm the nav's cached parts
        with CaptureQueriesContext(connection) as captured:
            body = client.get(item.get_absolute_url()).content.decode()
        assert len(re.findall(r"<li>照片 \d 拍摄于立案之前", box(body))) == count
        return len(captured.captured_queries)

    login(client, people["coordinator"])
    assert queries(1) == queries(4)


def test_closing_anyway_records_and_shows_the_warnings(client, tree, people, point):
    first = after_photo(tree, people, taken_at=EARLY, north="0.003202")
    item = submitted_item(tree, people, point, [first])
    response = login(client, people["inspector"]).post(
        f"/items/{item.pk}/close/", {"version": item.version, "method": "service"})
    assert response.status_code == 302
    event = RectificationEvent.objects.get(rectification=item, action=A.CLOSED)
    assert event.photo_warnings == 2
    assert [w["code"] for w in event.data["photo_warnings"]] == ["before_filing", "far"]
    body = page(client, people["staff"], item)
    recorded = re.search(rf'<p class="small mb-0 text-warning-emphasis" id="photo-warnings-{event.pk}">'
                         r'核查人员知悉以下照片提示后仍予结案：</p><ul class="small mb-0 '
                         rf'text-warning-emphasis photo-warnings-recorded" aria-labelledby='
                         rf'"photo-warnings-{event.pk}">(.*?)</ul>', body, re.S).group(1)
    assert items(recorded) == [
        "照片 1 拍摄于立案之前（拍摄 2026-11-02 08:10，立案 2026-11-03 09:00）",
        "照片 1 距点位 356 米（允许 200 米）",
    ]
    printed = client.get(reverse("inspections:rectification-print", args=[item.pk]))
    assert ("<br>核查人员知悉以下照片提示后仍予结案：<br>照片 1 拍摄于立案之前（拍摄 "
            '<span class="text-nowrap">2026-11-02 08:10</span>，立案 <span class="text-nowrap">'
            "2026-11-03 09:00</span>）<br>照片 1 距点位 356 米（允许 200 米）</td>"
            ) in printed.content.decode()
    assert 'id="photo-check"' not in page(client, people["coordinator"], item)   # closed


def test_the_unit_page_counts_closures_with_photo_warnings(client, tree, people, point):
    for taken in (EARLY, SUBMITTED - dt.timedelta(hours=1), SUBMITTED - dt.timedelta(hours=1)):
        item = submitted_item(tree, people, point, [after_photo(tree, people, taken_at=taken)])
        workflow.close(item, by=people["coordinator"], version=None, method="service", at=NOW)
    cache.clear()
    body = login(client, people["coordinator"]).get(
        reverse("inspections:unit-figures", args=[tree["street_a"].pk]), {"month": "2026-11"}
    ).content.decode()
    row = re.search(r'<tr id="photo-warned">(.*?)</tr>', body, re.S).group(1)
    assert ('<th scope="row">照片存疑仍结案</th><td class="text-end">33.3%</td>'
            '<td class="text-end">1 / 3</td>') in row


def test_the_photo_distance_is_a_campaign_setting(client, tree, member):
    campaign = tree["city"].campaign
    office = member(tree["city"], role="coordinator")
    url = reverse("inspections:scoring-settings", args=[campaign.pk])
    data = {"inspection_weight": "0.80", "min_sample": "3", "bottom_n": "1", "streak_k": "3"}
    client = login(client, office)
    assert ('name="photo_distance_m" id="id_photo_distance_m" value="200" step="1" min="10" '
            'max="5000"') in client.get(url).content.decode()
    for bad, message in (("9", "确保该值大于或等于10。"), ("5001", "确保该值小于或等于5000。"),
                         ("99999999999999999999", "确保该值小于或等于5000。"),
                         ("abc", "输入整数。"), ("2.5", "输入整数。"), ("\x00", "输入整数。"),
                         ("", "请填写距离（米），10 到 5000 之间。")):
        response = client.post(url, {**data, "photo_distance_m": bad})
        assert response.status_code == 200
        assert re.findall(r'id="id_photo_distance_m_error"><div>(.*?)</div>',
                          response.content.decode()) == [message]
    assert not ScoringSettingsChange.objects.exists()
    response = client.post(url, {**data, "photo_distance_m": "350"}, follow=True)
    # No bulletin keeps the photo distance: the message does not speak of drafts and bulletins.
    assert [str(m) for m in response.context["messages"]] == ["设置已保存，自即日起生效。"]
    campaign.refresh_from_db()
    assert campaign.photo_distance_m == 350
    change = ScoringSettingsChange.objects.get()
    assert (change.field, change.old, change.new, change.field_label) == (
        "photo_distance_m", "200", "350", "照片距点位允许距离（米）")


def test_after_a_rework_the_numbering_is_explained(client, tree, people, point):
    item = submitted_item(tree, people, point, [after_photo(tree, people, taken_at=EARLY)])
    item = workflow.return_for_rework(item, by=people["inspector"], version=None, reason="仍有垃圾",
                                      at=SUBMITTED + dt.timedelta(minutes=1),
                                      deadline=NOW + dt.timedelta(days=3))
    item = workflow.submit(item, by=people["staff"], version=None, at=NOW - dt.timedelta(hours=1),
                           photos=[after_photo(tree, people, taken_at=EARLY),
                                   after_photo(tree, people, taken_at=NOW - dt.timedelta(hours=2))])
    section = box(page(client, people["coordinator"], item))
    assert items(section) == [
        "照片 1 拍摄于立案之前（拍摄 2026-11-02 08:10，立案 2026-11-03 09:00）"]
    assert "照片按时间线中最近一次提交整改的顺序编号。" in section


def test_a_bulk_close_leaves_items_with_photo_warnings_to_their_page(client, tree, people, point):
    warned = submitted_item(tree, people, point, [after_photo(tree, people, taken_at=EARLY)])
    plain = submitted_item(tree, people, point, [after_photo(tree, people)])
    response = login(client, people["coordinator"]).post("/items/bulk/apply/", {
        "step": "close", "item": [f"{warned.pk}:{warned.version}", f"{plain.pk}:{plain.version}"],
        "method": "service"})
    body = response.content.decode()
    refused = body[body.find('id="bulk-refused"'):]
    assert (f"事项 {warned.code}：整改后照片存疑（拍摄时间或地点）。请到事项页面核对后再结案。"
            in refused)
    warned.refresh_from_db()
    plain.refresh_from_db()
    assert (warned.status, plain.status) == ("submitted", "closed")
    assert not warned.events.filter(action=A.CLOSED).exists()


def test_the_bulk_close_says_beforehand_which_items_it_leaves(client, tree, people, point):
    item = submitted_item(tree, people, point, [after_photo(tree, people)])
    body = login(client, people["coordinator"]).post(
        "/items/bulk/", {"item": [f"{item.pk}:{item.version}"]}).content.decode()
    close = body[body.find('id="bulk-close"'):body.find("</form>", body.find('id="bulk-close"'))]
    assert ('<p class="small text-muted" id="bulk-close-photos">整改后照片有提示（拍摄于立案之前、'
            "提交整改之后或距点位过远）的事项不在此批量结案：结果页会列出这些事项，请到各事项页面查看"
            "提示后再结案。</p>") in close
    assert 'id="bulk-close-photos"' not in body.replace(close, "")


def test_the_photo_time_and_place_stay_with_those_who_see_the_item(client, tree, people, point):
    """Out of scope, the item and its print page are not found (nothing of the photo's time or
    distance); in scope without the right to close, no warning box (the timeline shows what
    was recorded once it is closed)."""
    item = submitted_item(tree, people, point, [after_photo(tree, people, taken_at=EARLY,
                                                            north="0.003202")])
    client = login(client, people["other_staff"])
    for url in (item.get_absolute_url(), reverse("inspections:rectification-print", args=[item.pk])):
        response = client.get(url)
        assert response.status_code == 404
        assert "2026-11-02 08:10" not in response.content.decode()
        assert "356" not in response.content.decode()
    for who in ("staff", "leader"):
        body = page(client, people[who], item)
        assert 'id="photo-check"' not in body and "2026-11-02 08:10" not in body


# ---- an item filed from citizen reports (随手拍) --------------------------------------------

REPORTED = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)           # 09:00 in Shanghai
TRIAGED = REPORTED + dt.timedelta(days=2, hours=1)


def citizen_report(tree, at):
    with time_machine.travel(at, tick=False):
        return services.report_problem(campaign=tree["city"].campaign, description="占道经营",
                                       location="甲街口", uploads=[factories.make_jpeg()])


def reported_item(tree, people, point, photos, *, merged=0):
    """Filed from a citizen's report two days and an hour after it was sent; `merged` later
    reports of the same problem join it; then the fix is submitted with `photos`."""
    report = citizen_report(tree, REPORTED)
    with time_machine.travel(TRIAGED, tick=False):
        item = services.accept_report(report, unit=tree["street_a"], title="占道经营", point=point,
                                      deadline=TRIAGED + dt.timedelta(days=7),
                                      by=people["coordinator"])
        for n in range(merged):
            triage.attach_to_item(citizen_report(tree, REPORTED + dt.timedelta(hours=n + 1)), [],
                                  item, by=people["coordinator"])
    return workflow.submit(item, by=people["staff"], version=None, photos=photos, at=SUBMITTED)


def test_a_reported_item_is_checked_from_the_report(client, tree, people, point):
    fixed_early = reported_item(tree, people, point, [
        after_photo(tree, people, taken_at=REPORTED + dt.timedelta(hours=1), north="0")])
    section = box(page(client, people["coordinator"], fixed_early))
    assert ('<p class="mb-1" id="photo-no-warnings">'
            "没有照片拍摄于市民反映问题之前、提交整改之后或距点位过远。</p>") in section
    too_early = reported_item(tree, people, point, [
        after_photo(tree, people, taken_at=REPORTED - dt.timedelta(hours=1), north="0")])
    assert items(box(page(client, people["coordinator"], too_early))) == [
        "照片 1 拍摄于市民反映问题之前（拍摄 2026-11-01 08:00，反映 2026-11-01 09:00）"]


def test_the_report_time_costs_one_query_whatever_the_reports_and_photos(client, tree, people,
                                                                          point):
    def queries(item):
        client.get(item.get_absolute_url())         # warm the nav's cached parts
        with CaptureQueriesContext(connection) as captured:
            body = client.get(item.get_absolute_url()).content.decode()
        assert 'id="photo-check"' in body
        earliest = [q["sql"] for q in captured.captured_queries
                    if 'MIN("inspections_citizenreport"."created_at")' in q["sql"]]
        assert len(earliest) == 1
        return len(captured.captured_queries)

    login(client, people["coordinator"])
    one = queries(reported_item(tree, people, point, [after_photo(tree, people)]))
    many = queries(reported_item(tree, people, point, [after_photo(tree, people) for _n in range(4)],
                                 merged=2))
    inspected = queries(submitted_item(tree, people, point, [after_photo(tree, people)]))
    assert one == many == inspected
