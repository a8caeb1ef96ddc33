"""The task list as XLSX: export, round trip, and an all-or-nothing import with row errors."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from campaign import importing
from campaign.enums import Role
from campaign.models import LeaderCharge, Task
from campaign.tasks.xlsx import COLUMNS, ImportFileError, import_tasks
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db


def _sheet(rows: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS.labels())
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("tasks.xlsx", buffer.getvalue())


@pytest.fixture
def coordinator(tree, member):
    return member(tree["district_a"], role=Role.COORDINATOR)


def test_import_creates_a_tree(tree, coordinator):
    leader = factories.UserFactory(username="zhao")
    LeaderCharge.objects.create(leader=leader, unit=tree["district_a"])
    a, street, lane = tree["district_a"], tree["street_a"], tree["lane_a"]
    upload = _sheet([
        ["XHL-1", "", a.code, "背街小巷整治", "背街小巷", dt.date(2019, 1, 1), "2019-12-31", 162, "条",
         "zhao", "002"],
        ["XHL-1-1", "XHL-1", street.code, "背街小巷（甲街道）", "back_street", "2019-01-01",
         "2019-12-31", 100, "条", "", ""],
        ["", "XHL-1", lane.code, "背街小巷（巷长办）", "背街小巷", "2019-01-01", "2019-12-31", "62", "条",
         "", ""],
    ])
    result = import_tasks(upload, unit=a, by=coordinator)
    assert result.errors == []
    top = Task.objects.get(code="XHL-1")
    assert (top.target, top.lead, top.category) == (D(162), leader, "back_street")
    assert sorted(top.children.values_list("target", flat=True)) == [D(62), D(100)]
    assert Task.objects.count() == 3


def test_import_reports_every_bad_row_and_creates_nothing(tree, coordinator):
    a = tree["district_a"]
    upload = _sheet([
        ["T-1", "", a.code, "好的一行", "market", "2019-01-01", "2019-12-31", 11, "个", "", ""],
        ["T-2", "", "NOPE", "", "飞行", "2019-13-01", "someday", -3, "", "nobody", ""],
        ["T-1", "", tree["district_b"].code, "重复编号", "market", "2019-01-01", "2019-12-31", 1, "个", "",
         ""],
        ["T-3", "T-9", a.code, "找不到上级", "market", "2019-01-01", "2019-12-31", 1, "个", "", ""],
    ])
    result = import_tasks(upload, unit=a, by=coordinator)
    assert [error.row for error in result.errors] == [3, 4, 5]
    row3 = result.errors[0].message
    for words in ("NOPE", "飞行", "2019-13-01", "someday", "-3", "nobody"):
        assert words in row3
    assert "T-1" in result.errors[1].message and tree["district_b"].code in result.errors[1].message
    assert "T-9" in result.errors[2].message
    assert not Task.objects.exists()


def test_import_children_must_add_up(tree, coordinator):
    a = tree["district_a"]
    upload = _sheet([
        ["P", "", a.code, "上级", "market", "2019-01-01", "2019-12-31", 11, "个", "", ""],
        ["C", "P", tree["street_a"].code, "下级", "market", "2019-01-01", "2019-12-31", 10, "个", "", ""],
    ])
    result = import_tasks(upload, unit=a, by=coordinator)
    assert [error.row for error in result.errors] == [2]
    assert "10" in result.errors[0].message and "11" in result.errors[0].message
    assert not Task.objects.exists()


def test_import_rule_errors_from_the_service_roll_back(tree, coordinator):
    """Rows that parse but break a rule (a child outside its parent's dates) leave nothing."""
    a = tree["district_a"]
    upload = _sheet([
        ["P", "", a.code, "上级", "market", "2019-01-01", "2019-06-30", 5, "个", "", ""],
        ["C", "P", tree["street_a"].code, "下级", "market", "2019-01-01", "2019-12-31", 5, "个", "", ""],
    ])
    result = import_tasks(upload, unit=a, by=coordinator)
    assert [error.row for error in result.errors] == [3]
    assert not Task.objects.exists()


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_import_refuses_a_file_that_is_not_xlsx(tree, coordinator, content):
    with pytest.raises(ImportFileError):
        import_tasks(SimpleUploadedFile("x.xlsx", content), unit=tree["district_a"], by=coordinator)


def test_import_refuses_an_empty_sheet(tree, coordinator):
    with pytest.raises(ImportFileError):
        import_tasks(_sheet([]), unit=tree["district_a"], by=coordinator)


def test_export_then_import_round_trip(client, tree, coordinator):
    top = factories.TaskFactory(unit=tree["district_a"], code="A-1", title="老旧小区", target=D(897),
                                measure="个")
    factories.TaskFactory(unit=tree["street_a"], parent=top, code="A-1-1", title="甲街道小区", target=D(897),
                          measure="个")
    client.force_login(coordinator)
    response = client.get(reverse("task-export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("A-1", None, tree["district_a"].code, "老旧小区")
    assert rows[2][1] == "A-1"
    # Import the same list under new codes.
    book = Workbook()
    new = book.active
    for index, row in enumerate(rows):
        row = list(row)
        if index:
            row[0] = f"B{row[0]}"
            row[1] = f"B{row[1]}" if row[1] else None
        new.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(reverse("task-import"), {
        "unit": tree["district_a"].pk, "file": SimpleUploadedFile("t.xlsx", buffer.getvalue()),
    })
    assert response.status_code == 302
    assert Task.objects.get(code="BA-1-1").parent == Task.objects.get(code="BA-1")


def test_import_page_lists_row_errors(client, tree, coordinator):
    client.force_login(coordinator)
    upload = _sheet([["X", "", "NOPE", "t", "market", "2019-01-01", "2019-12-31", 1, "个", "", ""]])
    response = client.post(reverse("task-import"), {"unit": tree["district_a"].pk, "file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="import-errors"' in page and "NOPE" in page


def test_import_page_with_a_bad_file_says_so(client, tree, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("task-import"), {
        "unit": tree["district_a"].pk, "file": SimpleUploadedFile("x.xlsx", b"hello"),
    })
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "该文件不是 XLSX 工作簿。请把任务清单另存为 .xlsx（Excel 或 WPS）后重试。"
    ]


def test_import_needs_a_coordinator(client, tree, member):
    client.force_login(member(tree["street_a"]))
    assert client.get(reverse("task-import")).status_code == 403


def test_import_under_a_unit_outside_scope_is_refused(client, tree, coordinator):
    client.force_login(coordinator)
    row = ["X", "", tree["district_b"].code, "t", "market", "2019-01-01", "2019-12-31", 1, "个", "", ""]
    upload = _sheet([row])
    response = client.post(reverse("task-import"), {"unit": tree["district_b"].pk, "file": upload})
    assert response.status_code == 200 and not Task.objects.exists()


def test_export_holds_only_the_visible_tasks(client, tree, member):
    factories.TaskFactory(unit=tree["district_b"], title="乙区任务")
    factories.TaskFactory(unit=tree["street_a"], title="甲街道任务")
    client.force_login(member(tree["street_a"]))
    content = client.get(reverse("task-export")).content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["甲街道任务"]


# Review of issue 5: codes, lengths, every problem at once, dates, formulas, closing the file.

def _row(code, unit, *, parent="", title="任务", start="2019-01-01", due="2019-12-31", target=1, measure="个",
         lead="", category="market"):
    return [code, parent, unit.code, title, category, start, due, target, measure, lead, ""]


@pytest.mark.parametrize("code", ["~", "~0123abcd", "TY-XHL-T45", "X-T1"])
def test_import_refuses_codes_of_the_form_the_system_gives(tree, coordinator, code):
    result = import_tasks(_sheet([_row(code, tree["district_a"])]), unit=tree["district_a"], by=coordinator)
    assert [(error.row, error.message) for error in result.errors] == [(2, (
        f"编号“{code}”是系统自动编号的格式（以“~”开头或以“-T”加数字结尾）：请留空由系统编号，或另取一个编号"
    ))]
    assert not Task.objects.exists()


def test_import_takes_a_dash_as_a_code(tree, coordinator):
    """The system codes a new task "~" and a random key until it has an id, never "-"."""
    result = import_tasks(_sheet([_row("-", tree["district_a"])]), unit=tree["district_a"], by=coordinator)
    assert result.errors == []
    assert list(Task.objects.values_list("code", flat=True)) == ["-"]


def test_a_task_coded_dash_does_not_block_later_tasks(tree):
    factories.TaskFactory(unit=tree["district_a"], code="-")
    later = factories.TaskFactory(unit=tree["district_a"])
    assert later.code == f"{tree['district_a'].code}-T{later.pk}"


def test_import_when_a_parent_row_fails_names_it(tree, coordinator):
    """The parent breaks a rule (its lead leads nothing): its child says so instead of a 500."""
    factories.UserFactory(username="zhao", name="赵")
    a = tree["district_a"]
    result = import_tasks(_sheet([
        _row("P", a, target=5, lead="zhao"),
        _row("C", tree["street_a"], parent="P", target=5),
    ]), unit=a, by=coordinator)
    assert [(error.row, error.message) for error in result.errors] == [
        (2, "赵不是甲区的包联领导"),
        (3, "上级任务所在的第 2 行有错误"),
    ]
    assert not Task.objects.exists()


def test_import_reports_lengths_and_decimals(tree, coordinator):
    a = tree["district_a"]
    result = import_tasks(_sheet([
        _row("C" * 41, a, title="题" * 201, target="1.005", measure="个" * 21),
        _row("C" * 40, a, title="题" * 200, target="1.5", measure="个" * 20),
    ]), unit=a, by=coordinator)
    assert [(error.row, error.message) for error in result.errors] == [(2, (
        "编号超过 40 个字; 任务名称超过 200 个字; 目标“1.005”的小数超过 2 位; 计量单位超过 20 个字"
    ))]
    assert not Task.objects.exists()


def test_import_lists_every_problem_of_every_row_at_once(tree, coordinator):
    """Shape problems and rule problems together, in one pass."""
    factories.UserFactory(username="zhao", name="赵")
    a = tree["district_a"]
    result = import_tasks(_sheet([
        _row("P", a, target=5, due="2019-06-30"),
        _row("C", tree["street_a"], parent="P", target=5, due="2019-12-31", measure="条"),
        _row("D", a, category="飞行", start="2019-05-01", due="2019-04-01", lead="zhao"),
    ]), unit=a, by=coordinator)
    assert [(error.row, error.message) for error in result.errors] == [
        (3, "下级任务的计量单位必须与上级任务相同（个）; "
            "下级任务的日期必须在上级任务的起止日期之内（2019-01-01 至 2019-06-30）"),
        (4, "无法识别的类别“飞行”; 完成期限早于开始日期; 赵不是甲区的包联领导"),
    ]


def test_import_refuses_a_parent_with_progress_reports(tree, coordinator):
    parent = factories.TaskFactory(unit=tree["district_a"], code="OLD", title="旧任务", target=D(5),
                                   measure="个")
    factories.ProgressFactory(task=parent, quantity=D(1))
    result = import_tasks(_sheet([_row("C", tree["street_a"], parent="OLD", target=5)]),
                          unit=tree["district_a"], by=coordinator)
    assert [(error.row, error.message) for error in result.errors] == [
        (2, "“旧任务”已有进度报告；进度只在未分解的任务上报告，所以现在不能再给它添加下级任务")
    ]


def test_import_takes_the_date_formats_of_the_web_form(tree, coordinator):
    a = tree["district_a"]
    result = import_tasks(_sheet([
        _row("A", a, start="2019/02/01", due="2019-11-01"),
        _row("B", a, start=dt.datetime(2019, 3, 1), due=dt.date(2019, 12, 1)),
        _row("C", a, start="2019年4月1日", due="2019.12.31"),
    ]), unit=a, by=coordinator)
    assert result.errors == []
    assert list(Task.objects.order_by("code").values_list("code", "start", "due")) == [
        ("A", dt.date(2019, 2, 1), dt.date(2019, 11, 1)),
        ("B", dt.date(2019, 3, 1), dt.date(2019, 12, 1)),
        ("C", dt.date(2019, 4, 1), dt.date(2019, 12, 31)),
    ]


def test_import_says_not_xlsx_for_a_file_that_is_not_a_zip(tree, coordinator):
    with pytest.raises(ImportFileError) as error:
        import_tasks(SimpleUploadedFile("x.xlsx", b"hello"), unit=tree["district_a"], by=coordinator)
    assert str(error.value) == "该文件不是 XLSX 工作簿。请把任务清单另存为 .xlsx（Excel 或 WPS）后重试。"


def test_import_closes_the_workbook(tree, coordinator, monkeypatch):
    closed = []
    real_load = importing.load_workbook

    def load(*args, **kwargs):
        book = real_load(*args, **kwargs)
        real_close = book.close
        book.close = lambda: (closed.append(True), real_close())
        return book

    monkeypatch.setattr(importing, "load_workbook", load)
    import_tasks(_sheet([_row("A", tree["district_a"])]), unit=tree["district_a"], by=coordinator)
    with pytest.raises(ImportFileError):
        import_tasks(_sheet([]), unit=tree["district_a"], by=coordinator)
    assert closed == [True, True]


def test_import_success_message_counts(client, tree, coordinator):
    client.force_login(coordinator)
    for language, code, expected in [("en", "E", "1 task imported under 甲区."),
                                     ("zh-hans", "Z", "已在甲区下导入 1 项任务。")]:
        client.cookies["django_language"] = language
        response = client.post(reverse("task-import"), {
            "unit": tree["district_a"].pk, "file": _sheet([_row(code, tree["district_a"])]),
        }, follow=True)
        assert [str(m) for m in response.context["messages"]] == [expected]


@pytest.mark.parametrize("title", ['=HYPERLINK("http://x.example","点我")', "+1", "-1", "@SUM(A1)", "\tX"])
def test_export_writes_formula_like_text_as_text(client, tree, coordinator, title):
    factories.TaskFactory(unit=tree["district_a"], title=title)
    client.force_login(coordinator)
    sheet = load_workbook(io.BytesIO(client.get(reverse("task-export")).content)).active
    cell = sheet.cell(row=2, column=4)
    assert (cell.value, cell.data_type) == ("'" + title, "s")


def test_import_page_lists_the_first_100_bad_rows_and_counts_the_rest(client, tree, coordinator):
    client.force_login(coordinator)
    upload = _sheet([[f"X{n}", "", "NOPE", "t", "market", "2019-01-01", "2019-12-31", 1, "个", "", ""]
                     for n in range(250)])
    response = client.post(reverse("task-import"), {"unit": tree["district_a"].pk, "file": upload})
    page = response.content.decode()
    assert [error.row for error in response.context["result"].errors] == list(range(2, 102))
    assert page.count("<tr><td>") == 100
    assert "<tr><td>101</td>" in page and "<tr><td>102</td>" not in page
    assert '<p class="text-danger" id="import-errors-more">……另有 150 行错误，此处未列出。</p>' in page
    assert Task.objects.count() == 0


def test_import_report_of_the_largest_bad_file_stays_small(client, tree, coordinator):
    """5,000 bad rows (the most a sheet may hold), every cell 80 characters and quoted back in
    the problems: the page lists 100 rows, each problem cut to 400 characters."""
    client.force_login(coordinator)
    cell = "Z" * 80
    lines = [",".join(COLUMNS.labels())] + [",".join([f"{cell}{n}"] + [cell] * 10)
                                            for n in range(importing.MAX_ROWS)]
    content = "\n".join(lines).encode()
    assert len(content) < importing.MAX_BYTES
    response = client.post(reverse("task-import"), {
        "unit": tree["district_a"].pk, "file": SimpleUploadedFile("tasks.csv", content)})
    assert response.context["result"].more_errors == importing.MAX_ROWS - 100
    assert len(response.content) < 120_000
    assert Task.objects.count() == 0


def test_children_sums_skip_a_parent_whose_bad_child_row_is_not_shown(tree, coordinator):
    """Rows past the 100 shown still count as failed: a parent whose child row failed (row 153,
    not shown) is not also told that its children add up wrong."""
    a = tree["district_a"]
    rows = [[f"X{n}", "", "NOPE", "t", "market", "2019-01-01", "2019-12-31", 1, "个", "", ""]
            for n in range(150)]
    rows += [["P", "", a.code, "t", "market", "2019-01-01", "2019-12-31", 10, "个", "", ""],
             ["C1", "P", "NOPE", "t", "market", "2019-01-01", "2019-12-31", 5, "个", "", ""],
             ["C2", "P", tree["street_a"].code, "t", "market", "2019-01-01", "2019-12-31", 5, "个",
              "", ""]]
    result = import_tasks(_sheet(rows), unit=a, by=coordinator)
    assert (len(result.errors), result.more_errors) == (100, 51)
    assert result.failed_rows == set(range(2, 152)) | {153}
