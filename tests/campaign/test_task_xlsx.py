"""The task list as XLSX: export, round trip, and an all-or-nothing import with row errors."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from campaign.enums import Role
from campaign.models import LeaderCharge, Task
from campaign.task_xlsx import COLUMNS, ImportFileError, import_tasks
from tests import factories

D = Decimal
pytestmark = pytest.mark.django_db


def _sheet(rows: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append([str(column) for column in COLUMNS])
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
