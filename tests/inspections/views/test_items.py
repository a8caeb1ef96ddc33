import csv
import datetime as dt
import errno
import io
import os
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from campaign.models import Photo
from campaign.paging import cursor_of
from campaign.spreadsheets import XLSX_CONTENT_TYPE
from inspections import workflow
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification
from inspections.tables import SORTS
from tests import factories
from tests.factories import login
from tests.inspections.views.conftest import media_files

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)            # 10:00 in Shanghai
NOVEMBER_20 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)   # 10:00 in Shanghai


def step_url(item, step):
    # Written out: a slug outside the registry has no reverse, and must still be not found.
    return f"/items/{item.pk}/{step}/"


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


# The session, the user, the scope (memberships, charges), the stamp of the unit filter's
# options (the options themselves come from the cache), the category filter's choices, the
# page, then the units of its rows (fetched for the page, never joined); the list adds its four
# capped quick-filter counts. (The ledger also fetches points and criteria for rows that have them;
# these items, filed directly, have none.) The nav's unread notifications: one more.
@pytest.mark.parametrize(("name", "expected"), [("inspections:rectification-list", 13),
                                                 ("inspections:rectification-ledger", 9)])
def test_lists_run_a_fixed_number_of_queries(client, many, people, name, expected):
    client = login(client, people["staff"])
    url = reverse(name)
    client.get(url)   # warm the session
    small = _queries(client, url + "?per_page=20")
    large = _queries(client, url + "?per_page=200")
    filtered = _queries(client, url + "?per_page=200&status=open")
    assert small == large == expected
    assert filtered == large + 1   # a filtered list is counted (capped)


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
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == 1   # headers only: nothing closed


def _exported(client, fmt, *, sheet="台账"):
    """The cells of a ledger export, as read back from the file (CSV: all text)."""
    response = client.get(reverse(f"inspections:ledger-export-{fmt}"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert re.fullmatch(r'attachment; filename="ledger-\d{8}-\d{4}\.xlsx"',
                        response["Content-Disposition"])
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == [sheet]
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.fixture
def ledger(tree, people):
    """Two items: a closed one at a market with every column set (and a title that reads as a
    formula), and a bare open one filed later."""
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           category__name="市容环境", name="乱摆摊点")
    market = factories.PointFactory(unit=tree["street_a"], kind="market", name="南市场")
    factories.RectificationFactory(
        unit=tree["street_a"], code="JA-2019-0001", title='=HYPERLINK("http://evil.example","点此")',
        point=market, criterion=criterion, status=S.CLOSED, method="enforcement", rework_count=1,
        created_at=dt.datetime(2019, 7, 1, 10, 0, tzinfo=dt.UTC),      # 18:00 in Shanghai
        deadline=dt.datetime(2019, 7, 15, 16, 30, tzinfo=dt.UTC),      # the next day there
        submitted_at=dt.datetime(2019, 7, 12, 1, 5, tzinfo=dt.UTC),
        closed_at=dt.datetime(2019, 7, 13, 2, 0, tzinfo=dt.UTC),
        created_by=people["inspector"])
    factories.RectificationFactory(
        unit=tree["lane_a"], code="JA-2019-0002", title="井盖缺失", created_by=people["inspector"],
        created_at=dt.datetime(2019, 7, 2, 0, 0, tzinfo=dt.UTC),
        deadline=dt.datetime(2019, 7, 5, 0, 0, tzinfo=dt.UTC))


LEDGER_CELLS = {
    "zh-hans": [
        ["编码", "标题", "责任单位", "状态", "整改期限", "立案时间", "返工次数", "类别", "测评项",
         "点位", "点位类型", "最近提交时间", "结案时间", "处置方式", "复发"],
        ["JA-2019-0002", "井盖缺失", "甲巷长办公室", "待整改", "2019-07-05 08:00",
         "2019-07-02 08:00", 0, None, None, None, None, None, None, None, None],
        ["JA-2019-0001", '\'=HYPERLINK("http://evil.example","点此")', "甲街道", "已结案",
         "2019-07-16 00:30", "2019-07-01 18:00", 1, "市容环境", "乱摆摊点", "南市场", "农贸市场",
         "2019-07-12 09:05", "2019-07-13 10:00", "执法", None],
    ],
    "en": [
        ["Code", "Title", "Responsible unit", "Status", "Deadline", "Filed at", "Reworks",
         "Category", "Criterion", "Point", "Point kind", "Last submitted at", "Closed at",
         "How it was solved", "Recurrence"],
        ["JA-2019-0002", "井盖缺失", "甲巷长办公室", "Open", "2019-07-05 08:00",
         "2019-07-02 08:00", 0, None, None, None, None, None, None, None, None],
        ["JA-2019-0001", '\'=HYPERLINK("http://evil.example","点此")', "甲街道", "Closed",
         "2019-07-16 00:30", "2019-07-01 18:00", 1, "市容环境", "乱摆摊点", "南市场", "Market",
         "2019-07-12 09:05", "2019-07-13 10:00", "Enforcement", None],
    ],
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_ledger_exports_hold_exactly_the_ledgers_cells(client, ledger, people, language):
    client = login(client, people["coordinator"])
    if language == "en":
        client.cookies["django_language"] = "en"
    expected = LEDGER_CELLS[language]
    assert _exported(client, "xlsx", sheet={"en": "Ledger"}.get(language, "台账")) == expected
    # CSV holds the same cells as text: an empty cell is an empty string, a number its digits.
    assert _exported(client, "csv") == [
        ["" if cell is None else str(cell) for cell in row] for row in expected]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_ledger_export_names_the_earlier_item_of_a_recurrence_within_scope(
        client, tree, people, fmt):
    """复发: the earlier item's code when the exporter may see it, 是 when not, empty when the
    item is no recurrence."""
    def item(unit, code, day, **fields):
        return factories.RectificationFactory(
            unit=tree[unit], code=code, created_by=people["inspector"],
            created_at=dt.datetime(2019, 7, day, 2, 0, tzinfo=dt.UTC), **fields)

    ours = item("street_a", "JA-2019-0001", 1, status=S.CLOSED,
                closed_at=dt.datetime(2019, 7, 2, 2, 0, tzinfo=dt.UTC))
    theirs = item("street_b", "YB-2019-0001", 1, status=S.CLOSED,
                  closed_at=dt.datetime(2019, 7, 2, 2, 0, tzinfo=dt.UTC))
    item("street_a", "JA-2019-0002", 10, recurrence_of=ours)
    item("lane_a", "JA-2019-0003", 11, recurrence_of=theirs)   # the point changed hands
    item("street_a", "JA-2019-0004", 12)

    def column(who):
        rows = _exported(login(client, people[who]), fmt)
        assert rows[0][-1] == "复发"
        return {row[0]: row[-1] or "" for row in rows[1:]}

    assert column("staff") == {"JA-2019-0004": "", "JA-2019-0003": "是",
                               "JA-2019-0002": "JA-2019-0001", "JA-2019-0001": ""}
    assert column("coordinator") == {
        "JA-2019-0004": "", "JA-2019-0003": "YB-2019-0001", "JA-2019-0002": "JA-2019-0001",
        "JA-2019-0001": "", "YB-2019-0001": ""}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_export_runs_the_same_queries_for_3_or_30_items(client, tree, people, fmt):
    # Every other item a recurrence, of an earlier item inside or outside street A's scope.
    earlier = [factories.RectificationFactory(unit=tree[unit], status=S.CLOSED,
                                              closed_at=dt.datetime(2019, 7, 1, tzinfo=dt.UTC))
               for unit in ("street_a", "street_b")]

    def add(count):
        for n in range(count):
            factories.RectificationFactory(
                unit=tree["street_a"], created_by=people["inspector"],
                point=factories.PointFactory(unit=tree["street_a"]),
                criterion=factories.CriterionFactory(
                    category__standard__campaign=tree["city"].campaign),
                recurrence_of=earlier[n % 4 // 2] if n % 2 else None)

    client = login(client, people["staff"])
    url = reverse(f"inspections:ledger-export-{fmt}")

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
            rows = b"".join(response.streaming_content)
        return len(context.captured_queries), rows

    add(3)
    few, few_rows = queries()
    add(27)
    many, many_rows = queries()
    assert few == many and len(many_rows) > len(few_rows)


# ---- standalone items, keyset pages --------------------------------------------------------

def test_standalone_item(client, tree, people):
    client = login(client, people["inspector"])
    response = client.post(reverse("inspections:rectification-create"), {
        "unit": tree["street_a"].pk, "title": "井盖缺失",
        "deadline": (timezone.localtime() + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert Rectification.objects.get().title == "井盖缺失"
    assert login(client, people["staff"]).get(reverse("inspections:rectification-create")).status_code == 403


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
            last = Rectification.objects.get(pk=rows[-1].pk)
            cursor = "&" + urlencode({"after": cursor_of(last, SORTS[sort.lstrip("-")])})
            assert len(walked) <= len(everything)
        assert walked == everything


# ---- bounds and refusals -----------------------------------------------------------------

def test_ledger_exports_write_formulas_as_text(client, tree, people):
    factories.file_item(tree["street_a"], by=people["inspector"],
                        title='=HYPERLINK("http://evil.example","点此")')
    client = login(client, people["coordinator"])
    response = client.get(reverse("inspections:ledger-export-csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example","点此")'
    response = client.get(reverse("inspections:ledger-export-xlsx"))
    body = b"".join(response.streaming_content)
    cell = load_workbook(io.BytesIO(body)).active.cell(row=2, column=2)
    assert (cell.data_type, cell.value) == ("s", '\'=HYPERLINK("http://evil.example","点此")')


@pytest.mark.filed_at(NOW)
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


@pytest.mark.filed_at(NOW)
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


@pytest.mark.filed_at(NOW)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_export_with_an_invalid_filter_shows_the_errors(client, item, people, fmt):
    response = login(client, people["coordinator"]).get(
        reverse(f"inspections:ledger-export-{fmt}") + "?status=nope&month=2019-13")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "没有导出任何数据：请先改正筛选条件。" in body and "Content-Disposition" not in response


@pytest.mark.filed_at(NOW)
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


@pytest.mark.filed_at(NOW)
def test_an_unknown_step_is_404(client, item, people):
    url = f"/items/{item.pk}/frobnicate/"    # no reverse: the route admits the registry's slugs
    assert login(client, people["coordinator"]).post(url, {"version": 0}).status_code == 404


@pytest.mark.filed_at(NOW)
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


# ---- the pages as people read them: local times, phone cards, filter labels, print ---------

@time_machine.travel(NOVEMBER_20, tick=False)   # the deadlines below are days after NOVEMBER_20
def test_extended_deadline_reads_in_local_time(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"],
                               deadline=dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.UTC))
    workflow.extend_deadline(item, by=people["coordinator"], version=item.version,
                             deadline=dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC),
                             reason="雨天")
    body = login(client, people["staff"]).get(item.get_absolute_url()).content.decode()
    assert "整改期限 2026-11-29 23:59 → 2026-12-10 18:00" in body
    assert "2026-11-29T" not in body


def test_list_has_phone_cards_and_counted_quick_filters(client, tree, people):
    with time_machine.travel(NOVEMBER_20 - dt.timedelta(days=5), tick=False):
        _items_in_every_bucket(tree, people)
    with time_machine.travel(NOVEMBER_20, tick=False):
        page = login(client, people["staff"]).get(reverse("inspections:rectification-list"))
    assert page.context["quick"] == {"open": 3, "due_soon": 1, "overdue": 1, "rework": 1}
    body = page.content.decode()
    quick = body[body.index('id="quick-filters"'):body.index("</div>", body.index('id="quick-filters"'))]
    assert re.findall(r'text-bg-\w+">(\d+)<', quick) == ["3", "1", "1", "1"]
    cards = body[body.index('id="item-cards"'):body.index('id="item-table"')]
    assert cards.count("list-group-item-action") == 4
    overdue_card = cards[cards.index("逾期的") - 400:cards.index("逾期的") + 400]
    assert 'class="text-danger fw-bold"' in overdue_card
    soon_card = cards[cards.index("快到期"):]
    assert 'class="text-danger fw-bold"' not in soon_card[:soon_card.index("</a>")]


def _items_in_every_bucket(tree, people):
    inspector = people["inspector"]
    overdue = factories.file_item(tree["street_a"], by=inspector, title="逾期的",
                                  deadline=NOVEMBER_20 - dt.timedelta(days=1))
    factories.file_item(tree["street_a"], by=inspector, title="快到期",
                        deadline=NOVEMBER_20 + dt.timedelta(days=1))
    factories.file_item(tree["street_a"], by=inspector, title="还早",
                        deadline=NOVEMBER_20 + dt.timedelta(days=10))
    reworked = factories.file_item(tree["lane_a"], by=inspector, title="返工的",
                                   deadline=NOVEMBER_20 + dt.timedelta(days=10))
    photo = factories.store_photo_for(tree["lane_a"], by=people["staff"])
    reworked = workflow.submit(reworked, by=people["staff"], version=None, photos=[photo])
    workflow.return_for_rework(reworked, by=people["coordinator"], version=None, reason="不彻底")
    factories.file_item(tree["street_b"], by=inspector, deadline=NOVEMBER_20 - dt.timedelta(days=1))
    return overdue


def test_filters_fold_on_phones_and_say_all(client, tree, people):
    with time_machine.travel(NOVEMBER_20, tick=False):
        body = login(client, people["staff"]).get(
            reverse("inspections:rectification-list")).content.decode()
    assert 'data-bs-target="#item-filter"' in body and "筛选" in body
    assert "---------" not in body
    status = body[re.search(r'<select[^>]*name="status"[^>]*>', body).end():]
    month = body[re.search(r'<select[^>]*name="month"[^>]*>', body).end():]
    assert status.startswith('<option value="">全部</option>')
    assert month.startswith(
        '<option value="">全部</option><option value="2026-11">2026-11</option>'
        '<option value="2026-10">2026-10</option>')


def test_an_older_month_in_the_query_stays_chosen(client, tree, people):
    with time_machine.travel(NOVEMBER_20, tick=False):
        body = login(client, people["staff"]).get(
            reverse("inspections:rectification-list") + "?month=2019-07").content.decode()
    assert '<option value="2019-07" selected>2019-07</option>' in body


def test_step_error_is_shown_on_the_form_and_anchored(client, item, people):
    response = login(client, people["staff"]).post(
        reverse("inspections:rectification-step", args=[item.pk, "submit"]),
        {"version": item.version, "note": "已清理"})
    assert response.status_code == 400
    body = response.content.decode()
    form = body[body.index('id="step-submit"'):body.index("</form>", body.index('id="step-submit"'))]
    assert f'action="/items/{item.pk}/submit/#step-submit"' in body
    assert "未提交，请修改以下各项：" in form and "field-error" in form
    assert "已清理" in form   # what was typed is kept


@time_machine.travel(NOVEMBER_20, tick=False)   # the deadlines below are days after NOVEMBER_20
def test_print_view_of_one_item(client, tree, people):
    item = factories.file_item(tree["street_a"], by=people["inspector"], title="占道经营",
                               deadline=dt.datetime(2026, 11, 29, 15, 59, tzinfo=dt.UTC))
    workflow.extend_deadline(item, by=people["coordinator"], version=None,
                             deadline=dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC),
                             reason="雨天")
    client = login(client, people["staff"])
    url = reverse("inspections:rectification-print", args=[item.pk])
    assert url in client.get(item.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert item.code in body and "占道经营" in body and tree["street_a"].name in body
    assert "2026-12-10 18:00" in body and "整改期限 2026-11-29 23:59 → 2026-12-10 18:00" in body
    assert 'id="mainnav"' not in body and "inspections/print.css" in body
    assert client.post(url).status_code == 405
    client.force_login(people["other_staff"])
    missing = client.get(url)
    assert missing.status_code == 404 and item.code not in missing.content.decode()


def _unit_options(body: str) -> str:
    start = re.search(r'<select[^>]*name="unit"[^>]*>', body).end()
    return body[start:body.index("</select>", start)]


def test_the_unit_filter_keeps_its_options_until_the_units_change(client, tree, people):
    client = login(client, people["coordinator"])
    url = reverse("inspections:rectification-list")
    first = _unit_options(client.get(url).content.decode())
    assert first.startswith('<option value="">全部</option>') and "甲街道" in first
    chosen = _unit_options(client.get(f"{url}?unit={tree['street_a'].pk}").content.decode())
    assert f'<option value="{tree["street_a"].pk}" selected>' in chosen
    assert chosen.count(" selected") == 1
    # A new unit is offered at once (it changes the key of the kept options).
    factories.UnitFactory(parent=tree["district_b"], kind="street", name="新街道")
    assert "新街道" in _unit_options(client.get(url).content.decode())
    # A renamed unit shows its new name once the kept options expire (five minutes).
    tree["street_b"].name = "改名街道"
    tree["street_b"].save(update_fields=["name"])
    assert "改名街道" not in _unit_options(client.get(url).content.decode())
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        assert "改名街道" in _unit_options(client.get(url).content.decode())


def test_quick_filter_counts_stop_at_the_cap(client, tree, people, monkeypatch):
    from campaign import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for n in range(5):
        factories.file_item(tree["street_a"], by=people["inspector"], title=f"问题{n}")
    page = login(client, people["staff"]).get(reverse("inspections:rectification-list"))
    assert page.context["quick"]["open"] == 4          # COUNT_CAP + 1 rows read: "more than 3"
    body = page.content.decode()
    quick = body[body.index('id="quick-filters"'):body.index("</div>", body.index('id="quick-filters"'))]
    assert re.findall(r'text-bg-\w+">([^<]+)<', quick)[0] == "3+"
