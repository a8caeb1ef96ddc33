import datetime as dt
import errno
import io
import os
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaign.models import Photo, Point
from inspections import workflow
from inspections.enums import RectificationStatus as S
from inspections.models import Inspection, Rectification
from inspections.views.items import _cursor_of
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def step_url(item, step):
    # Written out: a slug outside the registry has no reverse, and must still be not found.
    return f"/items/{item.pk}/{step}/"


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(
        os.path.relpath(os.path.join(path, name), root)
        for path, _dirs, names in os.walk(root) for name in names
    )


# ---- item page ----------------------------------------------------------------------------

def test_item_page_shows_timeline_and_buttons_for_staff(client, item, people):
    page = login(client, people["staff"]).get(item.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert item.code in body and 'id="step-acknowledge"' in body and 'id="step-void"' not in body


def test_item_page_out_of_scope_is_404_and_leaks_nothing(client, item, people):
    page = login(client, people["other_staff"]).get(item.get_absolute_url())
    assert page.status_code == 404
    assert item.code not in page.content.decode()


def test_leader_reads_the_item_but_gets_no_buttons(client, item, people):
    body = login(client, people["leader"]).get(item.get_absolute_url()).content.decode()
    assert item.code in body and 'id="step-' not in body


def test_acknowledge_happy_path(client, item, people):
    response = login(client, people["staff"]).post(step_url(item, "acknowledge"),
                                                   {"version": item.version, "note": "收到"})
    assert response.status_code == 302
    assert Rectification.objects.get(pk=item.pk).status == S.ACKNOWLEDGED


@pytest.mark.parametrize("step", ["acknowledge", "send-back", "submit", "close", "return",
                                  "extend", "reroute", "void"])
def test_steps_refuse_get(client, item, people, step):
    assert login(client, people["coordinator"]).get(step_url(item, step)).status_code == 405


@pytest.mark.parametrize(("who", "step", "status"), [
    ("leader", "acknowledge", 403), ("inspector", "acknowledge", 403), ("staff", "void", 403),
    ("staff", "extend", 403), ("other_staff", "acknowledge", 404), ("staff", "nonsense", 404),
])
def test_steps_without_the_role(client, item, people, who, step, status):
    response = login(client, people[who]).post(step_url(item, step), {"version": item.version,
                                                                        "reason": "x"})
    assert response.status_code == status
    assert Rectification.objects.get(pk=item.pk).status == S.OPEN


def test_submitter_is_refused_closing_by_the_view(client, item, people, tree, member, photo):
    both = member(tree["street_a"], "inspector")
    factories.MembershipFactory(user=both, unit=tree["street_a"], role="unit_staff")
    item = workflow.submit(item, by=both, version=None, photos=[photo])
    client = login(client, both)
    assert 'id="step-close"' not in client.get(item.get_absolute_url()).content.decode()
    response = client.post(step_url(item, "close"), {"version": item.version, "method": "service"})
    assert response.status_code == 403
    assert Rectification.objects.get(pk=item.pk).status == S.SUBMITTED


def test_stale_page_gets_changed_meanwhile(client, item, people):
    loaded = item.version
    workflow.acknowledge(item, by=people["staff_two"], version=loaded)
    response = login(client, people["staff"]).post(step_url(item, "send-back"),
                                                   {"version": loaded, "reason": "不是我们的"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被他人修改" in body
    assert "不是我们的" in body   # what was typed is kept
    assert Rectification.objects.get(pk=item.pk).status == S.ACKNOWLEDGED


def test_submit_fix_with_after_photo(client, item, people):
    response = login(client, people["staff"]).post(step_url(item, "submit"), {
        "version": item.version, "note": "已清理", "photos": [factories.make_jpeg()]})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == S.SUBMITTED
    assert item.events.get(action="submitted").photos.count() == 1


def _truncated_jpeg():
    data = factories.make_jpeg(400, 300).read()
    return data[: len(data) // 2]


def _bomb():
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content"), [
    ("fake.jpg", lambda: b"just some text, not a photo"),
    ("cut.jpg", _truncated_jpeg),
    ("bomb.png", _bomb),
])
def test_bad_uploads_are_refused_and_nothing_stored(client, item, people, settings, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, content(), content_type="image/jpeg")
    response = login(client, people["staff"]).post(step_url(item, "submit"), {
        "version": item.version, "note": "清理完毕", "photos": [factories.make_jpeg(), upload]})
    assert response.status_code == 409
    body = response.content.decode()
    assert name in body and "清理完毕" in body
    assert Photo.objects.count() == 0 and media_files(settings) == []
    assert Rectification.objects.get(pk=item.pk).status == S.OPEN


def test_oversized_upload_is_refused(client, item, people, settings):
    settings.PHOTO_MAX_BYTES = 1000
    response = login(client, people["staff"]).post(step_url(item, "submit"), {
        "version": item.version, "photos": [factories.make_jpeg(300, 300, name="big.jpg")]})
    assert response.status_code == 409
    assert "big.jpg" in response.content.decode()
    assert Photo.objects.count() == 0 and media_files(settings) == []


def test_full_disk_gives_a_clear_error_and_stores_nothing(client, item, people, settings, monkeypatch):
    original = FileSystemStorage._save
    calls = []

    def full(self, name, content):
        calls.append(name)
        if len(calls) == 2:   # the main image is written, the thumbnail hits a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    response = login(client, people["staff"]).post(step_url(item, "submit"), {
        "version": item.version, "note": "已整改", "photos": [factories.make_jpeg()]})
    assert response.status_code == 409
    assert os.strerror(errno.ENOSPC) in response.content.decode()
    assert Photo.objects.count() == 0 and media_files(settings) == []
    assert item.events.count() == 1


def test_close_extend_reroute_void_through_the_views(client, people, tree, photo):
    client = login(client, people["coordinator"])
    item = factories.file_item(tree["street_a"], by=people["inspector"])
    item = workflow.submit(item, by=people["staff"], version=None, photos=[photo])
    assert client.post(step_url(item, "close"), {"version": item.version,
                                                 "method": "management"}).status_code == 302
    second = factories.file_item(tree["street_a"], by=people["inspector"])
    new_deadline = (second.deadline + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(step_url(second, "extend"), {"version": 0, "deadline": new_deadline,
                                                    "reason": "雨天"}).status_code == 302
    assert client.post(step_url(second, "reroute"), {"version": 1, "unit": tree["street_b"].pk,
                                                     "note": "属地在乙街道"}
                       ).status_code == 302
    assert client.post(step_url(second, "void"), {"version": 2, "reason": "不属实"}).status_code == 302
    second.refresh_from_db()
    assert (second.status, second.unit, second.events.count()) == (S.VOIDED, tree["street_b"], 4)


# ---- photos -------------------------------------------------------------------------------

def test_photos_are_served_only_in_scope(client, people, photo):
    client = login(client, people["staff"])
    full = client.get(reverse("inspections:photo", args=[photo.pk]))
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert client.get(reverse("inspections:photo-thumb", args=[photo.pk])).status_code == 200
    assert client.post(reverse("inspections:photo", args=[photo.pk])).status_code == 405
    client.force_login(people["other_staff"])
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 302


# ---- lists and ledger ---------------------------------------------------------------------

@pytest.fixture
def many(tree, people):
    for n in range(30):
        factories.file_item(tree["street_a"] if n % 3 else tree["lane_a"], by=people["inspector"],
                            title=f"问题{n}")
    factories.file_item(tree["street_b"], by=people["inspector"], title="乙街道的秘密")


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", ["inspections:rectification-list", "inspections:rectification-ledger"])
def test_lists_run_a_fixed_number_of_queries(client, many, people, name):
    client = login(client, people["staff"])
    url = reverse(name)
    client.get(url)   # warm the session
    small = _queries(client, url + "?per_page=20")
    large = _queries(client, url + "?per_page=200")
    filtered = _queries(client, url + "?per_page=200&status=open")
    assert small == large
    assert filtered == large + 1   # a filtered list is counted (capped)
    assert small <= 8


def test_list_is_scoped_and_paged_by_keyset(client, many, people):
    client = login(client, people["staff"])
    page = client.get(reverse("inspections:rectification-list") + "?per_page=20&sort=code")
    body = page.content.decode()
    assert "乙街道的秘密" not in body and body.count("<tr>") == 1 + 20   # the header row too
    next_url = page.context["next_url"]
    second = client.get(reverse("inspections:rectification-list") + next_url)
    assert second.content.decode().count("<tr>") == 1 + 10
    assert second.context["next_url"] is None
    first_codes = {i.code for i in page.context["rows"]}
    assert first_codes.isdisjoint({i.code for i in second.context["rows"]})


@pytest.mark.parametrize("query", [
    "?after=garbage", "?after=2019-13-01~x&sort=deadline", "?sort=-nope", "?month=2019-13",
    "?unit=abc", "?unit=999999", "?per_page=-5", "?status=weird", "?overdue=maybe", "?after=~",
])
def test_malformed_list_parameters_never_fail(client, many, people, query):
    client = login(client, people["staff"])
    assert client.get(reverse("inspections:rectification-list") + query).status_code == 200
    assert client.get(reverse("inspections:rectification-ledger") + query).status_code == 200


def test_filters_overdue_and_subtree(client, tree, people):
    import time_machine

    with time_machine.travel(dt.datetime(2019, 5, 1, 2, tzinfo=dt.UTC)):
        factories.file_item(tree["lane_a"], by=people["inspector"], title="巷子里",
                            deadline=dt.datetime(2019, 5, 2, tzinfo=dt.UTC))
        factories.file_item(tree["street_b"], by=people["inspector"], title="乙街",
                            deadline=dt.datetime(2019, 5, 9, tzinfo=dt.UTC))
    client = login(client, people["coordinator"])
    rows = lambda q: [i.title for i in client.get(  # noqa: E731
        reverse("inspections:rectification-list") + q).context["rows"]]
    with time_machine.travel(dt.datetime(2019, 5, 3, tzinfo=dt.UTC)):
        assert rows("?overdue=on") == ["巷子里"]
        assert rows(f"?unit={tree['district_a'].pk}") == ["巷子里"]
        assert rows("?due_soon=on") == []
    with time_machine.travel(dt.datetime(2019, 5, 7, tzinfo=dt.UTC)):
        assert rows("?due_soon=on") == ["乙街"]
    assert rows("?month=2019-05") == ["乙街", "巷子里"]
    assert rows("?month=2019-06") == []


def test_ledger_exports_with_the_filters(client, many, people):
    client = login(client, people["staff"])
    unit = people["staff"].memberships.get().unit
    csv = client.get(reverse("inspections:ledger-export-csv") + f"?unit={unit.pk}")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 31 and "乙街道的秘密" not in text
    xlsx = client.get(reverse("inspections:ledger-export-xlsx") + "?status=closed")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 1   # headers only: nothing closed


# ---- visits, rounds, registers, figures ---------------------------------------------------

@pytest.fixture
def criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                      points=2, deadline_days=3)


def test_inspector_records_a_visit_with_a_finding(client, tree, people, criterion):
    point = factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["inspector"])
    url = reverse("inspections:visit-create", args=[point.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'capture="environment"' in page.content.decode()
    with time_machine.travel(dt.datetime(2019, 5, 2, 3, tzinfo=dt.UTC), tick=False):
        response = client.post(url, {
            "mode": "covert", "visited_at": "2019-05-01T10:00", "note": "",
            "finding-TOTAL_FORMS": 3, "finding-INITIAL_FORMS": 0,
            "finding-0-criterion": criterion.pk, "finding-0-note": "垃圾",
            "finding-0-photos": [factories.make_jpeg()],
        })
    assert response.status_code == 302
    visit = Inspection.objects.get()
    item = Rectification.objects.get()
    assert (visit.points_deducted, item.unit, item.finding.inspection) == (2, tree["street_a"], visit)
    assert item.finding.photos.count() == 1


def test_visit_form_refuses_staff_and_hides_other_streets(client, tree, people):
    point = factories.PointFactory(unit=tree["street_a"])
    url = reverse("inspections:visit-create", args=[point.pk])
    assert login(client, people["staff"]).get(url).status_code == 403
    assert login(client, people["other_staff"]).get(url).status_code == 404


def test_visit_with_a_bad_photo_keeps_the_typed_text(client, tree, people, criterion, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    point = factories.PointFactory(unit=tree["street_a"])
    response = login(client, people["inspector"]).post(
        reverse("inspections:visit-create", args=[point.pk]), {
            "mode": "open", "visited_at": "2019-05-01T10:00", "note": "东门口",
            "finding-TOTAL_FORMS": 1, "finding-INITIAL_FORMS": 0,
            "finding-0-criterion": criterion.pk, "finding-0-note": "乱堆放",
            "finding-0-photos": [SimpleUploadedFile("x.jpg", b"text")],
        })
    assert response.status_code == 200
    body = response.content.decode()
    assert "东门口" in body and "乱堆放" in body and "x.jpg" in body
    assert Inspection.objects.count() == 0 and Photo.objects.count() == 0
    assert media_files(settings) == []


def test_round_planning(client, tree, people):
    for _ in range(4):
        factories.PointFactory(unit=tree["street_a"])
    client = login(client, people["inspector"])
    response = client.post(reverse("inspections:round-create"), {
        "unit": tree["district_a"].pk, "name": "五月中旬", "starts_on": "2019-05-11",
        "ends_on": "2019-05-20", "sample_size": 2, "seed": 99})
    assert response.status_code == 302
    assert login(client, people["staff"]).get(reverse("inspections:round-create")).status_code == 403


def test_standalone_item(client, tree, people):
    client = login(client, people["inspector"])
    response = client.post(reverse("inspections:rectification-create"), {
        "unit": tree["street_a"].pk, "title": "井盖缺失",
        "deadline": (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert Rectification.objects.get().title == "井盖缺失"
    assert login(client, people["staff"]).get(reverse("inspections:rectification-create")).status_code == 403


def test_point_import_view_reports_rows_and_imports_nothing(client, tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = f"code,name,kind,unit_code\nA1,东街,back_street,{tree['street_a'].code}\nA2,,飞机场,ZZ\n"
    client = login(client, people["coordinator"])
    response = client.post(reverse("inspections:points-import"), {
        "file": SimpleUploadedFile("points.csv", text.encode())})
    assert response.status_code == 400
    assert 'id="import-errors"' in response.content.decode() and Point.objects.count() == 0
    assert login(client, people["staff"]).get(reverse("inspections:points-import")).status_code == 403


def test_points_export(client, tree, people):
    factories.PointFactory(unit=tree["street_a"], code="Z-9")
    response = login(client, people["coordinator"]).get(reverse("inspections:points-export-csv"))
    assert "Z-9" in response.content.decode("utf-8-sig")


def test_standard_editing_is_for_the_root_coordinator(client, tree, people, criterion):
    standard = criterion.category.standard
    url = reverse("inspections:criterion-edit", args=[standard.pk, criterion.pk])
    client = login(client, people["coordinator"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"category": criterion.category.pk, "key": criterion.key,
                                  "name": "新名称", "order": 0, "points": "4", "deadline_days": 7,
                                  "point_kinds": ["market"], "is_active": "on"})
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.name, criterion.points, criterion.point_kinds) == ("新名称", 4, ["market"])
    assert login(client, people["inspector"]).get(url).status_code == 403


def test_unit_figures_page(client, tree, people, item):
    client = login(client, people["staff"])
    url = reverse("inspections:unit-figures", args=[tree["street_a"].pk])
    page = client.get(url + "?month=2019-13")
    assert page.status_code == 200 and 'id="unit-figures"' in page.content.decode()
    assert client.get(reverse("inspections:unit-figures", args=[tree["street_b"].pk])).status_code == 404
    unit_page = client.get(reverse("unit-detail", args=[tree["street_a"].pk]) + "?month=2019-05")
    assert f"{url}?month=2019-05" in unit_page.content.decode()
    assert f"{url}?partial=1&amp;month=2019-05" in unit_page.content.decode()
    partial = client.get(url + "?partial=1&month=2019-05")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "deadline", "-deadline", "code",
                                  "-status"])
def test_keyset_pages_visit_every_item_once_even_with_ties(client, tree, people, sort):
    at = dt.datetime(2019, 5, 1, 2, tzinfo=dt.UTC)
    for n in range(7):   # the same filing time and deadline for all: only ids break the ties
        workflow.file_rectification(unit=tree["street_a"], title=f"同时{n}", by=people["inspector"],
                                    deadline=at + dt.timedelta(days=1), at=at)
    client = login(client, people["coordinator"])
    url = reverse("inspections:rectification-list") + f"?per_page=20&sort={sort}"
    everything = [item.pk for item in client.get(url).context["rows"]]
    assert len(everything) == 7
    for size in (1, 2, 3):   # walk the list a few rows at a time, each from the last one's cursor
        walked, cursor = [], ""
        while rows := client.get(url + cursor).context["rows"][:size]:
            walked += [row.pk for row in rows]
            cursor = "&" + urlencode({"after": _cursor_of(rows[-1], sort.lstrip("-"))})
        assert walked == everything
