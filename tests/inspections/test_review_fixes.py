"""The defects a security and logic review found in the closed loop, one test (or a few) each."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from campaign.spreadsheets import safe_cell
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


# ---- 2: exports write no live formula -----------------------------------------------------

def test_safe_cell_makes_formulas_inert():
    assert [safe_cell(v) for v in ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "东街", 7]] == [
        "'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "东街", 7]


def test_ledger_exports_write_formulas_as_text(client, tree, people):
    factories.file_item(tree["street_a"], by=people["inspector"],
                        title='=HYPERLINK("http://evil.example","点此")')
    client = login(client, people["coordinator"])
    response = client.get(reverse("inspections:ledger-export-csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example","点此")'
    response = client.get(reverse("inspections:ledger-export-xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=2)
    assert (cell.data_type, cell.value) == ("s", '\'=HYPERLINK("http://evil.example","点此")')


def test_points_export_writes_formulas_as_text(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], code="Z-9", name="@cmd|' /C calc'!A0")
    client = login(client, people["coordinator"])
    text = client.get(reverse("inspections:points-export-csv")).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][1] == "'@cmd|' /C calc'!A0"
    response = client.get(reverse("inspections:points-export-xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=2)
    assert (cell.data_type, cell.value) == ("s", "'@cmd|' /C calc'!A0")


def test_an_exported_formula_like_name_imports_back_unchanged(tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaign.models import Point
    from inspections import points

    factories.PointFactory(unit=tree["street_a"], code="Z-9", name="-东街-")
    data = SimpleUploadedFile("p.xlsx", points.export_points(Point.objects.all(), "xlsx"))
    result = points.import_points(tree["city"].campaign, data, by=people["coordinator"])
    assert (len(result.updated), Point.objects.get().name) == (1, "-东街-")


# ---- 3: the public form is bounded ----------------------------------------------------------

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
    assert _report(client, photos=[factories.make_jpeg() for _ in range(6)]).status_code == 200
    assert CitizenReport.objects.get().photos.count() == 6


def test_reports_are_limited_to_ten_an_hour_per_address(client, tree):
    from inspections.models import CitizenReport

    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC), tick=False):
        for _ in range(10):
            assert _report(client, address="10.0.0.1").status_code == 200
        refused = _report(client, address="10.0.0.1", description="第十一次")
        assert refused.status_code == 429
        body = refused.content.decode()
        assert "来自这个地址的报告太多，请一小时后再试。" in body and "第十一次" in body
        assert _report(client, address="10.0.0.2").status_code == 200
    assert CitizenReport.objects.count() == 11
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 1, tzinfo=dt.UTC), tick=False):
        assert _report(client, address="10.0.0.1").status_code == 200


# ---- 16: unknown things are 404 -----------------------------------------------------------

def test_unknown_campaign_on_the_public_form_is_404(client, tree):
    response = client.get(reverse("inspections:report-create") + "?campaign=nope")
    assert response.status_code == 404


# ---- 4: deadlines are bounded to [now, now + 1 year] ---------------------------------------

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


@pytest.fixture
def item(tree, people):
    with time_machine.travel(NOW, tick=False):
        return factories.file_item(tree["street_a"], by=people["inspector"])


def test_extension_beyond_a_year_is_refused_with_a_message(client, item, people):
    client = login(client, people["coordinator"])
    url = reverse("inspections:rectification-step", args=[item.pk, "extend"])
    with time_machine.travel(NOW, tick=False):
        for value in ("9999-12-31T23:59", "2027-03-02T10:00"):
            response = client.post(url, {"version": 0, "deadline": value, "reason": "太远"})
            assert response.status_code == 400
            assert "截止时间最多只能定在一年以内（到2027-03-01为止）。" in response.content.decode()
        response = client.post(url, {"version": 0, "deadline": "2026-02-28T10:00", "reason": "早"})
        assert "截止时间不能早于现在。" in response.content.decode()
        assert client.post(url, {"version": 0, "deadline": "2027-03-01T09:00",
                                 "reason": "可以"}).status_code == 302


def test_item_page_with_a_far_deadline_does_not_fail(client, item, people):
    from inspections.models import Rectification

    Rectification.objects.filter(pk=item.pk).update(
        deadline=dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC))
    with time_machine.travel(NOW, tick=False):
        response = login(client, people["coordinator"]).get(item.get_absolute_url())
    assert response.status_code == 200
    assert 'value="2027-03-01T10:00"' in response.content.decode()


@pytest.mark.parametrize("value", ["2027-06-01T10:00", "2026-02-01T10:00"])
def test_standalone_and_triage_deadlines_are_bounded(client, tree, people, value):
    from inspections.models import CitizenReport, Rectification

    report = CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="ABC",
                                          description="垃圾", location="南街")
    client = login(client, people["coordinator"])
    with time_machine.travel(NOW, tick=False):
        standalone = client.post(reverse("inspections:rectification-create"), {
            "unit": tree["street_a"].pk, "title": "井盖缺失", "deadline": value})
        triage = client.post(reverse("inspections:report-detail", args=[report.pk]), {
            "accept": "1", "unit": tree["street_a"].pk, "title": "垃圾", "deadline": value})
    for response in (standalone, triage):
        assert response.status_code == 200
        assert "截止时间" in response.content.decode()
    assert Rectification.objects.count() == 0


def test_finding_deadline_is_bounded(tree, people):
    from inspections.forms import FindingForm

    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign)
    with time_machine.travel(NOW, tick=False):
        form = FindingForm({"criterion": criterion.pk, "deadline": "2028-01-01T10:00"},
                           criteria=[criterion])
        assert not form.is_valid()
    assert form.errors["deadline"] == ["截止时间最多只能定在一年以内（到2027-03-01为止）。"]


# ---- 5: a visit cannot be backdated without limit -----------------------------------------

def test_visit_backdating_is_bounded(tree, people):
    from inspections import services
    from inspections.models import Inspection

    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(services.InspectionError) as error:
            services.record_visit(point=point, by=people["inspector"], mode="open",
                                  visited_at=NOW - dt.timedelta(days=32))
        assert str(error.value) == "访查最多只能在31天内补录。"
        services.record_visit(point=point, by=people["inspector"], mode="open",
                              visited_at=NOW - dt.timedelta(days=30))
    with time_machine.travel(dt.datetime(2019, 1, 3, tzinfo=dt.UTC), tick=False):
        with pytest.raises(services.InspectionError) as error:
            services.record_visit(point=point, by=people["inspector"], mode="open",
                                  visited_at=dt.datetime(2018, 12, 31, 12, tzinfo=dt.UTC))
        assert str(error.value) == "访查时间不能早于创建活动开始（2019-01-01）。"
    assert Inspection.objects.count() == 1


# ---- 6: malformed input never gives a 500 --------------------------------------------------

def test_superscript_digits_in_query_parameters_are_404(client, tree, people):
    point = factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["coordinator"])
    visit = reverse("inspections:visit-create", args=[point.pk])
    assert client.get(visit + "?round=²").status_code == 404
    assert client.get(visit + "?round=1234567890123").status_code == 404
    assert client.get(reverse("inspections:points-export-csv") + "?campaign=²").status_code == 404
    assert client.get(reverse("inspections:points-import") + "?campaign=١").status_code == 404


def test_point_form_refuses_a_taken_code_with_a_message(client, tree, people):
    from campaign.models import Point

    factories.PointFactory(unit=tree["street_b"], code="P-1")
    response = login(client, people["coordinator"]).post(reverse("inspections:point-create"), {
        "code": "P-1", "name": "重复", "kind": "market", "unit": tree["street_a"].pk,
        "is_active": "on"})
    assert response.status_code == 200
    assert "本活动已有这个编号的点位。" in response.content.decode()
    assert Point.objects.count() == 1


def test_category_form_refuses_a_taken_key_with_a_message(client, tree, people):
    from campaign.models import Category

    category = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                          category__key="A1").category
    url = reverse("inspections:category-create", args=[category.standard.pk])
    response = login(client, people["coordinator"]).post(url, {"key": "A1", "name": "重复",
                                                               "order": 1})
    assert response.status_code == 200
    assert "这个测评标准已有这个编码的类别。" in response.content.decode()
    assert Category.objects.count() == 1


# ---- 10: ?round= on a visit is checked ----------------------------------------------------

def test_a_visit_round_must_hold_the_point_and_be_running(client, tree, people):
    from inspections.models import InspectionRound

    point = factories.PointFactory(unit=tree["street_a"])
    other = factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["inspector"])
    url = reverse("inspections:visit-create", args=[point.pk])

    def make(points, ends_on, campaign=None):
        round_ = InspectionRound.objects.create(
            campaign=campaign or tree["city"].campaign, unit=tree["city"], name="轮次",
            starts_on=dt.date(2026, 2, 20), ends_on=ends_on, seed=1, sample_size=1,
            created_by=people["inspector"])
        round_.points.set(points)
        return round_

    running = make([point], dt.date(2026, 3, 10))
    without = make([other], dt.date(2026, 3, 10))
    ended = make([point], dt.date(2026, 2, 28))
    with time_machine.travel(NOW, tick=False):
        assert client.get(url + f"?round={running.pk}").status_code == 200
        assert client.get(url + f"?round={without.pk}").status_code == 404
        assert client.get(url + f"?round={ended.pk}").status_code == 404
        response = client.post(url + f"?round={ended.pk}", {
            "mode": "open", "visited_at": "2026-03-01T09:00", "finding-TOTAL_FORMS": 0,
            "finding-INITIAL_FORMS": 0})
        assert response.status_code == 404


# ---- 7, 8, 15: visit photos kept; an unannounced round stays unannounced ----------------------

@pytest.fixture
def running_round(tree, people):
    from inspections.models import InspectionRound

    return InspectionRound.objects.create(
        campaign=tree["city"].campaign, unit=tree["district_a"], name="三月上旬暗访",
        starts_on=dt.date(2026, 2, 25), ends_on=dt.date(2026, 3, 5), seed=1, sample_size=1,
        created_by=people["inspector"])


def test_visit_without_findings_keeps_its_photos(client, tree, people):
    from inspections import services

    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        visit = services.record_visit(point=point, by=people["inspector"], mode="open",
                                      visited_at=NOW, uploads=[factories.make_jpeg()])
    photo = visit.photos.get()
    body = login(client, people["inspector"]).get(
        reverse("inspections:inspection-detail", args=[visit.pk])).content.decode()
    assert 'id="visit-photos"' in body and reverse("inspections:photo", args=[photo.pk]) in body


def test_photos_of_a_running_round_stay_hidden_from_the_unit(client, tree, people, running_round):
    from inspections import services

    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign)
    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        visit = services.record_visit(
            point=point, by=people["inspector"], mode="covert", visited_at=NOW,
            round=running_round, uploads=[factories.make_jpeg()],
            findings=[services.FindingInput(criterion=criterion,
                                            uploads=[factories.make_jpeg()])])
    of_point = visit.photos.get()
    item = visit.findings.get().rectification
    of_finding = item.events.get().photos.get()
    visit_url = reverse("inspections:inspection-detail", args=[visit.pk])

    def status(user, photo):
        return login(client, user).get(reverse("inspections:photo", args=[photo.pk])).status_code

    with time_machine.travel(NOW, tick=False):
        # The unit gets the item at once, with the photo of what to fix, but neither the
        # visit, nor its round, nor the other photos of the visit.
        assert (status(people["staff"], of_point), status(people["staff"], of_finding)) == (404, 200)
        page = login(client, people["staff"]).get(item.get_absolute_url())
        assert page.status_code == 200 and visit_url not in page.content.decode()
        assert "三月上旬暗访" not in page.content.decode()
        assert (status(people["inspector"], of_point), status(people["coordinator"], of_point)) == (
            200, 200)
        assert visit_url in login(client, people["coordinator"]).get(
            item.get_absolute_url()).content.decode()
    with time_machine.travel(dt.datetime(2026, 3, 6, 2, tzinfo=dt.UTC), tick=False):
        assert status(people["staff"], of_point) == 200
        assert visit_url in login(client, people["staff"]).get(
            item.get_absolute_url()).content.decode()


# ---- 9: a ledger export with a bad filter exports nothing -----------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_export_with_an_invalid_filter_shows_the_errors(client, item, people, fmt):
    response = login(client, people["coordinator"]).get(
        reverse(f"inspections:ledger-export-{fmt}") + "?status=nope&month=2019-13")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "没有导出任何数据：请先改正筛选条件。" in body and "Content-Disposition" not in response


# ---- 11: after a refusal for a change made meanwhile, trying again works --------------------

def test_a_stale_step_is_offered_again_with_the_current_version(client, item, people):
    from inspections import workflow

    workflow.acknowledge(item, by=people["staff"], version=0)
    client = login(client, people["coordinator"])
    url = reverse("inspections:rectification-step", args=[item.pk, "extend"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {"version": 0, "deadline": "2026-03-20T10:00",
                                     "reason": "雨天施工"})
        assert response.status_code == 409
        body = response.content.decode()
        assert '<input type="hidden" name="version" value="1" id="id_extend_version">' in body
        assert 'id="id_void_version"' in body and "雨天施工" in body
        assert 'value="2026-03-20T10:00"' in body
        assert client.post(url, {"version": 1, "deadline": "2026-03-20T10:00",
                                 "reason": "雨天施工"}).status_code == 302


# ---- 12: item codes are unique across campaigns -----------------------------------------

def test_units_with_the_same_code_in_two_campaigns_get_distinct_item_codes(tree, people, member):
    other_root = factories.UnitFactory(parent=None, kind="headquarters", name="另一指挥部")
    twin = factories.UnitFactory(parent=other_root, kind="street", code=tree["street_a"].code)
    other_inspector = member(other_root, "inspector", username="insp2")
    with time_machine.travel(NOW, tick=False):
        first = factories.file_item(tree["street_a"], by=people["inspector"])
        second = factories.file_item(twin, by=other_inspector)
        third = factories.file_item(tree["street_a"], by=people["inspector"])
    code = tree["street_a"].code
    assert [first.code, second.code, third.code] == [
        f"{code}-2026-0001", f"{code}-2026-0002", f"{code}-2026-0003"]
    assert second.campaign != first.campaign


# ---- 13: an item sent back to the dispatcher is not the unit's overdue ----------------------

def test_an_item_sent_back_is_neither_overdue_nor_due_soon(tree, people, item):
    from campaign.periods import Month
    from inspections import services, workflow
    from inspections.models import Rectification

    workflow.send_back(item, by=people["staff"], version=0, reason="不归我们管")
    items = Rectification.objects.all()
    later = item.deadline + dt.timedelta(days=1)
    assert (items.overdue(later).count(), items.due_soon(NOW, later).count()) == (0, 0)
    item.refresh_from_db()
    assert item.is_pending is False
    figures = services.unit_figures(tree["street_a"], Month(2026, 3), now=later)
    assert figures.overdue_now == 0


# ---- 14: a huge image is refused as too big, not as unreadable ----------------------------

def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_decompression_bomb_gets_the_too_many_pixels_message(tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaign.photos import PhotoError, store_photo

    upload = SimpleUploadedFile("huge.png", _png_header(20000, 10000), content_type="image/png")
    with pytest.raises(PhotoError) as error:
        store_photo(upload, unit=tree["street_a"], by=people["staff"])
    assert str(error.value) == "“huge.png”的像素太多（最多接受5000万像素）。"


def test_an_unknown_step_is_404(client, item, people):
    url = f"/items/{item.pk}/frobnicate/"    # no reverse: the route admits the registry's slugs
    assert login(client, people["coordinator"]).post(url, {"version": 0}).status_code == 404


# ---- 17: triage can name the point and the criterion ----------------------------------------

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
    assert (item.point, item.criterion, item.citizen_report) == (market, criterion, report)


# ---- 18: re-routing only to units that answer for places, with a reason ----------------------

def test_reroute_offers_only_responsible_units_and_needs_a_reason(client, tree, people, item):
    from inspections import workflow
    from inspections.models import Rectification

    office = factories.UnitFactory(parent=tree["city"], kind="coordination_office", name="协调办")
    client = login(client, people["coordinator"])
    body = client.get(item.get_absolute_url()).content.decode()
    assert "协调办" not in body and tree["street_b"].name in body
    url = reverse("inspections:rectification-step", args=[item.pk, "reroute"])
    assert client.post(url, {"version": 0, "unit": office.pk, "note": "试试"}).status_code == 400
    response = client.post(url, {"version": 0, "unit": tree["street_b"].pk, "note": ""})
    assert response.status_code == 400 and "这个字段是必填项。" in response.content.decode()
    with pytest.raises(workflow.TransitionError):
        workflow.reroute(item, by=people["coordinator"], version=0, to_unit=office, note="试试")
    with pytest.raises(workflow.TransitionError):
        workflow.reroute(item, by=people["coordinator"], version=0, to_unit=tree["street_b"])
    with time_machine.travel(NOW, tick=False):
        assert client.post(url, {"version": 0, "unit": tree["street_b"].pk, "note": "属地在乙街道",
                                 "deadline": "2026-03-04T23:59"}).status_code == 302
    assert Rectification.objects.get().unit == tree["street_b"]


# ---- 20: the demo re-routes only to the unit that owns the point ----------------------------

def test_demo_reroutes_only_to_the_point_owner():
    from django.core.management import call_command

    from campaign.demo import create_demo_accounts
    from inspections import demo
    from inspections.enums import EventAction
    from inspections.models import RectificationEvent

    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    with time_machine.travel(dt.datetime(2026, 3, 20, 4, tzinfo=dt.UTC), tick=False):
        demo.build()
    for event in RectificationEvent.objects.filter(action=EventAction.REROUTED).select_related(
            "rectification__point"):
        assert event.data["to_unit"] == event.rectification.point.unit_id


# ---- 19: the points import speaks of points ------------------------------------------------

def test_points_import_page_says_points(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "编号,名称,类型,单位编码\nP1,东街,park," + tree["street_a"].code + "\n"
    response = login(client, people["coordinator"]).post(reverse("inspections:points-import"), {
        "file": SimpleUploadedFile("points.csv", text.encode())})
    body = response.content.decode()
    assert response.status_code == 400
    assert "没有导入任何点位：请改正下列各行后重新上传文件。" in body and "没有导入任何任务" not in body
    assert "未知的点位类型“park”（可用：main_road (主次干道), back_street (背街小巷), " in body
