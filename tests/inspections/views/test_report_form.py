"""Issue 16, the citizen's side: category and place on the public form, post/redirect/get, a
report sent again within minutes recognised as a repeat, and the tracking page's stages."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from campaign.models import Category, Photo
from inspections import forms, services, workflow
from inspections.models import CitizenReport
from tests import factories
from tests.concurrency import race

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)        # 12:00 in Shanghai
TRACK = reverse("inspections:report-track")


@pytest.fixture
def categories(tree):
    """Two public categories of the campaign's standard in force, one internal one, one of a
    standard no longer in force and one of another campaign."""
    campaign = tree["city"].campaign
    standard = factories.StandardFactory(campaign=campaign)
    old = factories.StandardFactory(campaign=campaign, is_active=False)
    return {
        "litter": factories.CategoryFactory(standard=standard, name="环境卫生", order=2),
        "lights": factories.CategoryFactory(standard=standard, name="市政设施", order=1),
        "internal": factories.CategoryFactory(standard=standard, name="内部台账", public=False),
        "old": factories.CategoryFactory(standard=old, name="旧类别"),
        "foreign": factories.CategoryFactory(name="外市类别"),
    }


def _send(client, address="10.0.0.1", **fields):
    data = {"description": "路灯不亮", "location": "东巷口 3 号楼前",
            "photos": [factories.make_jpeg()], **fields}
    return client.post(reverse("inspections:report-create"), data, REMOTE_ADDR=address)


# ---- category and place ---------------------------------------------------------------------

def test_the_form_offers_the_public_categories_and_stores_category_and_place(
        client, tree, categories, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        body = client.get(reverse("inspections:report-create")).content.decode()
    assert "这是哪一类问题？" in body
    offered = [name for name in ("市政设施", "环境卫生", "内部台账", "旧类别", "外市类别") if name in body]
    assert offered == ["市政设施", "环境卫生"]
    assert body.index("市政设施") < body.index("环境卫生")      # the standard's order

    response = _send(client, category=categories["lights"].pk,
                     latitude="37.870123", longitude="112.550456")
    assert response.status_code == 302
    report = CitizenReport.objects.get()
    assert (report.category, report.description, report.location, report.latitude,
            report.longitude) == (categories["lights"], "路灯不亮", "东巷口 3 号楼前",
                                  Decimal("37.870123"), Decimal("112.550456"))


def test_the_category_is_required_and_only_a_public_one_of_the_campaign(client, tree, categories):
    for refused in ("", categories["internal"].pk, categories["old"].pk,
                    categories["foreign"].pk, "nope"):
        response = _send(client, category=refused)
        assert response.status_code == 200, refused
    assert CitizenReport.objects.count() == 0 and Photo.objects.count() == 0
    assert "这个字段是必填项。" in _send(client, category="").content.decode()
    with pytest.raises(services.InspectionError):
        services.report_problem(campaign=tree["city"].campaign, description="x", location="y",
                                category=categories["internal"])


def test_a_campaign_without_public_categories_asks_for_none(client, tree):
    body = client.get(reverse("inspections:report-create")).content.decode()
    assert "这是哪一类问题？" not in body
    assert _send(client).status_code == 302
    assert CitizenReport.objects.get().category is None


@pytest.mark.parametrize(("latitude", "longitude", "accepted"), [
    ("90", "180", True), ("-90", "-180", True), ("37.870000", "", False),
    ("90.000001", "112.5", False), ("37.8", "-180.000001", False), ("1e400", "112.5", False),
    ("abc", "112.5", False), ("37.1234567", "112.5", False),
])
def test_latitude_and_longitude_are_bounded(tree, latitude, longitude, accepted):
    form = forms.CitizenReportForm(
        {"description": "x", "location": "y", "latitude": latitude, "longitude": longitude},
        {"photos": [factories.make_jpeg()]}, campaign=tree["city"].campaign)
    assert form.is_valid() is accepted, form.errors


def test_public_is_edited_with_the_category_on_the_standards_pages(client, tree, people, categories):
    client.force_login(people["coordinator"])
    category = categories["lights"]
    url = reverse("inspections:category-edit", args=[category.standard_id, category.pk])
    assert 'name="public"' in client.get(url).content.decode()
    response = client.post(url, {"key": category.key, "name": category.name, "order": 1})
    assert response.status_code == 302
    assert Category.objects.get(pk=category.pk).public is False


# ---- post/redirect/get ----------------------------------------------------------------------

def test_a_sent_report_redirects_and_reloading_the_thanks_page_files_nothing(client, tree):
    response = _send(client)
    report = CitizenReport.objects.get()
    thanks = reverse("inspections:report-thanks", args=[report.tracking_code])
    assert (response.status_code, response["Location"]) == (302, thanks)
    for _reload in range(2):
        page = client.get(thanks)
        assert page.status_code == 200
        assert f'<code id="tracking-code">{report.tracking_code}</code>' in page.content.decode()
    assert CitizenReport.objects.count() == 1
    assert client.post(thanks).status_code == 405


def test_the_thanks_page_is_only_for_the_browser_that_sent_the_report(client, tree):
    _send(client)
    report = CitizenReport.objects.get()
    thanks = reverse("inspections:report-thanks", args=[report.tracking_code])
    other = type(client)()
    assert other.get(thanks).status_code == 404
    assert client.get(reverse("inspections:report-thanks", args=["NOPE"])).status_code == 404
    assert client.get("/report/thanks/%3Cx%3E/").status_code == 404


# ---- a report sent again --------------------------------------------------------------------

def test_the_same_report_within_ten_minutes_is_received_once(client, tree):
    with time_machine.travel(NOON, tick=False):
        first = _send(client)
    with time_machine.travel(NOON + dt.timedelta(minutes=9, seconds=59), tick=False):
        again = _send(client, description="\r\n 路灯不亮  ")   # the same text, other spacing
    report = CitizenReport.objects.get()
    assert again["Location"] == first["Location"]
    assert Photo.objects.count() == 1                        # the repeat's photo is not kept
    page = client.get(again["Location"]).content.decode()
    assert "这份反映已于 12:00 收到。" in page and report.tracking_code in page


def test_after_ten_minutes_or_from_another_address_it_is_a_new_report(client, tree):
    with time_machine.travel(NOON, tick=False):
        first = _send(client)["Location"]
        _send(client, address="10.0.0.2")
        _send(client, description="路灯不亮了")
        _send(client, photos=[factories.make_jpeg(colour=(0, 0, 255))])
    assert CitizenReport.objects.count() == 4
    with time_machine.travel(NOON + dt.timedelta(minutes=10, seconds=1), tick=False):
        assert _send(client)["Location"] != first
    assert CitizenReport.objects.count() == 5


def test_the_sender_is_kept_as_a_keyed_hash_only(client, tree):
    _send(client, address="203.0.113.77")
    key = CitizenReport.objects.get().repeat_key
    assert len(key) == 64 and "203.0.113" not in key
    assert key == services.repeat_key(sender="203.0.113.77", description="路灯不亮",
                                      photos=list(Photo.objects.all()))
    assert key != services.repeat_key(sender="203.0.113.78", description="路灯不亮",
                                      photos=list(Photo.objects.all()))
    spaced = services.repeat_key(sender="x", description="street  light\n out", photos=[])
    assert spaced == services.repeat_key(sender="x", description="street light out", photos=[])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_copies_sent_at_once_file_one_report(tree):
    campaign = tree["city"].campaign

    def send():
        return services.report_problem(campaign=campaign, description="路灯不亮", location="东巷口",
                                       uploads=[factories.make_jpeg()], sender="10.0.0.9")

    results = race(send, send)
    assert sorted(type(result).__name__ for result in results) == ["CitizenReport", "RepeatedReport"]
    assert CitizenReport.objects.count() == 1 and Photo.objects.count() == 1


# ---- where it stands ------------------------------------------------------------------------

def _stages(client, report) -> str:
    body = client.get(TRACK + f"?code={report.tracking_code}").content.decode()
    start = body.index('<ol class="list-unstyled report-stages"')
    return " ".join(body[start:body.index("</ol>", start)].split())


def _stage(name, state, text=""):
    current = ' aria-current="step"' if state == "current" else ""
    return f'<li class="report-stage report-stage-{state}"{current}>', name, text


def _assert_stages(html: str, *stages):
    """Each stage in order: its state, its name and (when given) its text, nothing more."""
    items = html.split("</li>")[:-1]
    assert len(items) == len(stages)
    for item, (opening, name, text) in zip(items, stages, strict=True):
        assert opening in item and f">{name}</span>" in item and text in item


def test_the_stages_received_triaged_being_fixed_fixed(client, tree, people):
    with time_machine.travel(NOON, tick=False):
        report = services.report_problem(campaign=tree["city"].campaign, description="路灯不亮",
                                         location="东巷口")
        _assert_stages(_stages(client, report),
                       _stage("已收到", "done", "2026-03-02 12:00 收到。"),
                       _stage("受理分办", "current", "创建办正在确定由谁整改。"),
                       _stage("整改中", "waiting"), _stage("整改完成", "waiting"))
        page = client.get(TRACK + f"?code={report.tracking_code}").content.decode()
        assert '<dd class="col-8">待受理</dd>' in page      # not 新报告: the reporter's word
        item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮",
                                      deadline=dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC),
                                      by=people["coordinator"])
        report.refresh_from_db()
        html = _stages(client, report)
        _assert_stages(html, _stage("已收到", "done"),
                       _stage("受理分办", "done", f"已受理，整改事项编号 {item.code}。"),
                       _stage("整改中", "current", "待整改，整改期限 2026-03-05 18:00。"),
                       _stage("整改完成", "waiting"))
        assert "coord" not in html and people["coordinator"].name not in html
        fix = factories.store_photo_for(tree["street_a"], by=people["staff"])
        item = workflow.submit(item, by=people["staff"], version=None, photos=[fix])
        _assert_stages(_stages(client, report), _stage("已收到", "done"), _stage("受理分办", "done"),
                       _stage("整改中", "current", "责任单位称已整改完毕，创建办正在核查。"),
                       _stage("整改完成", "waiting"))
        workflow.close(item, by=people["coordinator"], version=None, method="management")
        _assert_stages(_stages(client, report), _stage("已收到", "done"), _stage("受理分办", "done"),
                       _stage("整改中", "done", "责任单位已整改。"),
                       _stage("整改完成", "done", "经现场核查，已结案。"))


def test_the_stages_of_a_rejected_and_a_voided_report(client, tree, people):
    with time_machine.travel(NOON, tick=False):
        campaign = tree["city"].campaign
        rejected = services.report_problem(campaign=campaign, description="x", location="y")
        services.reject_report(rejected, reason="不在本市", by=people["coordinator"])
        rejected.refresh_from_db()
        _assert_stages(_stages(client, rejected), _stage("已收到", "done"),
                       _stage("受理分办", "stopped", "未受理：不在本市"))
        voided = services.report_problem(campaign=campaign, description="z", location="w")
        item = services.accept_report(voided, unit=tree["street_a"], title="z",
                                      deadline=dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC),
                                      by=people["coordinator"])
        workflow.void(item, by=people["coordinator"], version=None, reason="现场无此问题")
        voided.refresh_from_db()
        _assert_stages(_stages(client, voided), _stage("已收到", "done"), _stage("受理分办", "done"),
                       _stage("整改中", "stopped", "经核查，无需整改。"))


def test_the_map_pick_is_offered_only_with_a_tile_server(client, tree, settings):
    url = reverse("inspections:report-create")
    settings.MAP_TILE_URL = ""
    body = client.get(url).content.decode()
    assert 'id="pick-map"' not in body and "使用我的位置" in body
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    factories.PointFactory(unit=tree["street_a"], latitude=Decimal("37.86"), longitude=Decimal("112.54"))
    factories.PointFactory(unit=tree["street_a"], latitude=Decimal("37.88"), longitude=Decimal("112.56"))
    factories.PointFactory(unit=tree["street_a"])                      # no coordinates: left out
    body = client.get(url).content.decode()
    assert 'id="pick-map"' in body
    assert ('"tiles": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "", '
            '"latitude": "37.870000", "longitude": "112.550000"') in body


def test_a_form_sent_back_says_the_photos_must_be_chosen_again_and_the_coordinates_are_optional(
        client, tree, categories):
    fresh = client.get(reverse("inspections:report-create")).content.decode()
    assert "纬度（选填）" in fresh and "经度（选填）" in fresh
    assert "不知道可以不填；点“使用我的位置”可自动填写。" in fresh
    assert "请重新选择照片" not in fresh
    refused = _send(client, latitude="37.87").content.decode()      # half a place: refused
    assert "报告尚未提交，照片没有保存：请重新选择照片。" in refused
    assert "路灯不亮</textarea>" in refused
    without_photos = client.post(reverse("inspections:report-create"),
                                 {"description": "路灯不亮", "location": ""}).content.decode()
    assert "请重新选择照片" not in without_photos
