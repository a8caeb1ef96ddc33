import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from campaign.models import Photo
from inspections import services, workflow
from inspections.enums import CitizenReportStatus
from inspections.models import CitizenReport, Rectification
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)            # 10:00 in Shanghai
NOVEMBER_20 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def test_citizen_reports_and_follows_by_code(client, tree):
    url = reverse("inspections:report-create") + f"?campaign={tree['city'].campaign.key}"
    response = client.post(url, {"description": "路灯不亮", "location": "东巷口",
                                 "photos": [factories.make_jpeg()]})
    report = CitizenReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:report-thanks", args=[report.tracking_code])
    assert report.tracking_code in client.get(response["Location"]).content.decode()
    assert Photo.objects.get().unit == tree["city"]
    track = client.get(reverse("inspections:report-track") + f"?code={report.tracking_code.lower()}")
    assert track.status_code == 200 and 'id="report-status"' in track.content.decode()
    assert client.get(reverse("inspections:report-track") + "?code=NOPE").status_code == 200


def test_a_report_without_a_photo_keeps_the_text(client, tree):
    response = client.post(reverse("inspections:report-create"), {"description": "井盖丢了",
                                                                   "location": "西街"})
    assert response.status_code == 200
    assert "井盖丢了" in response.content.decode() and CitizenReport.objects.count() == 0


def test_coordinator_triages_a_report_into_an_item(client, tree, people):
    client.post(reverse("inspections:report-create"), {
        "description": "垃圾满溢", "location": "南街", "photos": [factories.make_jpeg()]})
    report = CitizenReport.objects.get()
    client.force_login(people["coordinator"])
    assert client.get(reverse("inspections:report-list")).status_code == 200
    response = client.post(reverse("inspections:report-detail", args=[report.pk]), {
        "accept": "1", "unit": tree["street_a"].pk, "title": "垃圾满溢",
        "deadline": (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    item = Rectification.objects.get()
    assert (list(item.citizen_reports.all()), item.source, item.unit) == (
        [report], "citizen_report", tree["street_a"])
    report.refresh_from_db()
    assert report.status == CitizenReportStatus.ACCEPTED
    assert list(item.events.get().photos.all()) == list(report.photos.all())


def test_reject_needs_a_reason_and_triage_needs_the_role(client, tree, people):
    report = CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="ABC",
                                          description="x", location="y")
    client.force_login(people["staff"])
    assert client.get(reverse("inspections:report-list")).status_code == 403
    assert client.get(reverse("inspections:report-detail", args=[report.pk])).status_code == 404
    client.force_login(people["coordinator"])
    url = reverse("inspections:report-detail", args=[report.pk])
    assert client.post(url, {"reject": "1", "reason": ""}).status_code == 200
    assert client.post(url, {"reject": "1", "reason": "重复上报"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.reason) == (CitizenReportStatus.REJECTED, "重复上报")


def _report(client, address="127.0.0.1", **fields):
    return client.post(reverse("inspections:report-create"), {
        "description": "路灯不亮", "location": "东巷口", "photos": [factories.make_jpeg()],
        **fields}, REMOTE_ADDR=address)


def test_a_report_takes_at_most_six_photos_and_1000_characters(client, tree):
    from inspections.models import CitizenReport

    response = _report(client, photos=[factories.make_jpeg() for _ in range(7)],
                       description="灯" * 1001)
    body = response.content.decode()
    assert response.status_code == 200 and CitizenReport.objects.count() == 0
    assert "最多发送6张照片（您选了7张）。" in body
    assert "确保该变量包含不超过 1000 字符 (目前字符数 1001)。" in body
    assert _report(client, photos=[factories.make_jpeg() for _ in range(6)]).status_code == 302
    assert CitizenReport.objects.get().photos.count() == 6


def test_reports_are_limited_to_ten_an_hour_per_address(client, tree):
    from inspections.models import CitizenReport

    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC), tick=False):
        for number in range(10):
            assert _report(client, address="10.0.0.1", description=f"路灯不亮{number}").status_code == 302
        refused = _report(client, address="10.0.0.1", description="第十一次")
        assert refused.status_code == 429
        body = refused.content.decode()
        assert "来自这个地址的报告太多，请一小时后再试。" in body and "第十一次" in body
        assert _report(client, address="10.0.0.2").status_code == 302
    assert CitizenReport.objects.count() == 11
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 1, tzinfo=dt.UTC), tick=False):
        assert _report(client, address="10.0.0.1").status_code == 302


def test_unknown_campaign_on_the_public_form_is_404(client, tree):
    response = client.get(reverse("inspections:report-create") + "?campaign=nope")
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["inspections:report-create", "inspections:fixed-list"])
@pytest.mark.parametrize("key", ["x\x00", "不是键", "a b"])
def test_a_campaign_key_that_is_no_slug_is_404_never_a_server_error(client, tree, name, key):
    # PostgreSQL refuses a NUL in a query parameter: such a key never reaches the database.
    response = client.get(reverse(name), {"campaign": key})
    assert response.status_code == 404


@pytest.mark.parametrize("code", ["AB\x00C", "ＡＢＣ", "A" * 17, "   "])
def test_a_tracking_code_that_cannot_be_one_finds_nothing(client, tree, code):
    response = client.get(reverse("inspections:report-track"), {"code": code})
    assert response.status_code == 200
    assert response.context["report"] is None


def test_triage_files_the_item_with_point_and_criterion(client, tree, people):
    from inspections.models import CitizenReport, Rectification

    report = CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="ABC",
                                          description="垃圾", location="南街")
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           point_kinds=["market"])
    foreign = factories.CriterionFactory()
    market = factories.PointFactory(unit=tree["street_a"], kind="market")
    lane = factories.PointFactory(unit=tree["street_a"], kind="back_street")
    elsewhere = factories.PointFactory(unit=tree["street_b"], kind="market")
    client = login(client, people["coordinator"])
    url = reverse("inspections:report-detail", args=[report.pk])

    def triage(point, chosen):
        with time_machine.travel(NOW, tick=False):
            return client.post(url, {"accept": "1", "unit": tree["street_a"].pk, "title": "垃圾",
                                     "deadline": "2026-03-05T10:00", "point": point.pk,
                                     "criterion": chosen.pk})

    assert f"该点位属于{tree['street_b'].name}。" in triage(elsewhere, criterion).content.decode()
    assert "这个测评项不适用于背街小巷。" in triage(lane, criterion).content.decode()
    assert triage(market, foreign).status_code == 200
    assert Rectification.objects.count() == 0
    assert triage(market, criterion).status_code == 302
    item = Rectification.objects.get()
    assert (item.point, item.criterion, list(item.citizen_reports.all())) == (market, criterion, [report])


# ---- the citizen's tracking page ----------------------------------------------------------

def _track(client, report):
    return client.get(reverse("inspections:report-track") + f"?code={report.tracking_code}")


@time_machine.travel(NOVEMBER_20, tick=False)   # the deadline below is days after NOVEMBER_20
def test_tracking_page_explains_each_stage(client, tree, people):
    report = services.report_problem(campaign=tree["city"].campaign, description="路灯不亮",
                                     location="东巷口")
    body = _track(client, report).content.decode()
    assert "您的反映已收到，创建办将尽快核实并交办责任单位。" in body and 'id="item-status"' not in body

    item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮",
                                  deadline=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC),
                                  by=people["coordinator"])
    body = _track(client, report).content.decode()
    assert "您的反映已受理并交办责任单位，整改期限为 2026-12-01 18:00。" in body
    assert '<span class="badge status-open">待整改</span>' in body
    assert 'id="after-photos"' not in body

    fix = factories.store_photo_for(tree["street_a"], by=people["staff"])
    item = workflow.submit(item, by=people["staff"], version=None, photos=[fix])
    body = _track(client, report).content.decode()
    assert "责任单位已报整改完成，创建办正在核查。" in body and 'id="after-photos"' not in body

    workflow.close(item, by=people["coordinator"], version=None, method="management")
    body = _track(client, report).content.decode()
    assert "您反映的问题已整改完毕，经现场核查已结案。" in body
    assert '<span class="badge status-closed">已结案</span>' in body
    photo_url = reverse("inspections:report-track-photo", args=[report.tracking_code, fix.pk])
    assert photo_url in body
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_after_photo_is_only_for_the_reports_own_closed_item(client, tree, people):
    campaign = tree["city"].campaign
    report = services.report_problem(campaign=campaign, description="路灯不亮", location="东巷口")
    other = services.report_problem(campaign=campaign, description="井盖缺失", location="西巷口")
    item = services.accept_report(report, unit=tree["street_a"], title="路灯不亮",
                                  deadline=timezone.now() + dt.timedelta(days=3),
                                  by=people["coordinator"])
    fix = factories.store_photo_for(tree["street_a"], by=people["staff"])
    stray = factories.store_photo_for(tree["street_a"], by=people["staff"])
    item = workflow.submit(item, by=people["staff"], version=None, photos=[fix])

    def url(code, pk):
        return reverse("inspections:report-track-photo", args=[code, pk])

    assert client.get(url(report.tracking_code, fix.pk)).status_code == 404   # not closed yet
    workflow.close(item, by=people["coordinator"], version=None, method="management")
    assert client.get(url(report.tracking_code, fix.pk)).status_code == 200
    assert client.get(url(other.tracking_code, fix.pk)).status_code == 404
    assert client.get(url(report.tracking_code, stray.pk)).status_code == 404
    assert client.get(url("NOPE", fix.pk)).status_code == 404
    assert client.post(url(report.tracking_code, fix.pk)).status_code == 405


def test_rejected_report_says_so(client, tree, people):
    report = services.report_problem(campaign=tree["city"].campaign, description="x",
                                     location="y")
    services.reject_report(report, reason="重复反映", by=people["coordinator"])
    body = _track(client, CitizenReport.objects.get(pk=report.pk)).content.decode()
    assert "创建办未受理您的反映，原因见下。" in body and "重复反映" in body


def test_the_public_form_refuses_more_than_25_megapixels(client, tree):
    """Staff forms take up to 50 MP; the anonymous form 25 MP (issue 14: memory), said plainly."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.campaign.test_photos import _png_header

    big = SimpleUploadedFile("full.png", _png_header(6000, 5000), content_type="image/png")
    response = _report(client, photos=[factories.make_jpeg(), big])
    assert response.status_code == 200 and CitizenReport.objects.count() == 0
    assert Photo.objects.count() == 0
    assert ("“full.png”的像素太多（6000 × 5000）：此表单最多接受2500万像素。"
            "请按相机的正常尺寸发送照片。") in response.content.decode()
