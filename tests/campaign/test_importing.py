"""The one import mechanism (campaign.importing): the reader (XLSX and CSV, bounded), the
header-alias table, row forms with every problem of a row, and the shared writer."""

import datetime as dt
import io
import zipfile

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from campaign import importing
from campaign.importing import (
    Column,
    Columns,
    ImportFileError,
    ImportResult,
    RowError,
    RowForm,
    SheetDateField,
    check_rows,
    csv_text,
    read_rows,
    xlsx_bytes,
)

COLUMNS = Columns(
    Column("code", gettext_lazy("Code"), ("编号",)),
    Column("title", gettext_lazy("Title")),
    Column("due", gettext_lazy("Due date"), required=False),
)


def _xlsx(rows, name="t.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _csv(text: str, name="t.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def _data(rows):
    return [(row.number, row.data) for row in rows]


def test_reader_reads_xlsx_by_english_headers_in_any_order():
    rows = read_rows(_xlsx([
        ["Title", "Code", "Unknown"],
        ["东街", 7.0, "ignored"],
        [None, None, None],                       # blank: skipped, numbers keep counting
        ["A title", "A-2", None],
        ["'=1+1", "A-3", None],                   # an export's inert formula reads back as typed
    ]), COLUMNS, what="the list")
    assert _data(rows) == [
        (2, {"title": "东街", "code": "7"}),
        (4, {"title": "A title", "code": "A-2"}),
        (5, {"title": "=1+1", "code": "A-3"}),
    ]


def test_reader_reads_csv_by_chinese_headers_and_aliases():
    rows = read_rows(_csv("编号,任务名称,完成期限\n P1 ,背街小巷,2026/11/01\n"), Columns(
        Column("code", gettext_lazy("Code"), ("编号",)),
        Column("title", gettext_lazy("Title"), ("任务名称",)),
        Column("due", gettext_lazy("Due date")),
    ), what="the list")
    assert _data(rows) == [(2, {"code": "P1", "title": "背街小巷", "due": "2026/11/01"})]


def test_reader_keeps_date_cells_as_dates():
    rows = read_rows(_xlsx([["code", "title", "due"], ["A", "t", dt.datetime(2026, 11, 1, 0, 0)]]),
                     COLUMNS, what="the list")
    assert _data(rows) == [(2, {"code": "A", "title": "t", "due": dt.date(2026, 11, 1)})]


def test_alias_table_reads_the_labels_in_both_languages():
    column = Column("code", gettext_lazy("Code"), ("编号",))
    assert column.headers() == {"code", "编码", "编号"}
    assert COLUMNS.positions(["  TITLE ", "编码", "编号"]) == {"title": 0, "code": 1}
    with translation.override("en"):
        assert COLUMNS.labels() == ["Code", "Title", "Due date"]
    with translation.override("zh-hans"):
        assert COLUMNS.labels() == ["编码", "标题", "完成期限"]


@pytest.mark.parametrize(("upload", "message"), [
    (_csv("code\nA\n"), "Missing columns: Title."),
    (_csv("code,title\n"), "The sheet has no rows under its header."),
    (_csv(""), "The sheet has no header row."),
    (_csv("编号,标题\n甲,乙\n", encoding="gb18030"),
     "This CSV file is not UTF-8 text. Save it as “CSV UTF-8” (Excel or WPS) and try again."),
    (SimpleUploadedFile("t.xlsx", b"not a zip"),
     "This file is not an XLSX workbook. Save the list as .xlsx (Excel or WPS) and try again."),
    (SimpleUploadedFile("t.xls", b""),
     "This file is not an XLSX workbook. Save the list as .xlsx (Excel or WPS) and try again."),
])
def test_reader_refuses_a_file_it_cannot_read_with_a_clear_message(upload, message):
    with translation.override("en"), pytest.raises(ImportFileError) as error:
        read_rows(upload, COLUMNS, what="the list")
    assert str(error.value) == message


def test_reader_bounds_bytes_rows_and_unpacked_size(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    with translation.override("en"):
        assert len(read_rows(_csv("code,title\n" + "A,t\n" * 3), COLUMNS, what="x")) == 3
        with pytest.raises(ImportFileError) as error:
            read_rows(_csv("code,title\n" + "A,t\n" * 4), COLUMNS, what="x")
        assert str(error.value) == "The sheet has more than 3 rows; split it into several files."
        big = _csv("code,title\n" + "A,t\n" * 10)
        monkeypatch.setattr(importing, "MAX_BYTES", big.size - 1)
        with pytest.raises(ImportFileError) as error:
            read_rows(big, COLUMNS, what="x")
        assert str(error.value) == "The file is larger than 0 MB."
        monkeypatch.setattr(importing, "MAX_BYTES", 5 * 2**20)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/sharedStrings.xml", b"0" * (51 * 2**20))   # 51 MB packed in ~50 kB
        with pytest.raises(ImportFileError) as error:
            read_rows(SimpleUploadedFile("bomb.xlsx", buffer.getvalue()), COLUMNS, what="x")
        assert str(error.value) == "The workbook unpacks to more than 50 MB; split it into several files."


def test_the_default_bounds():
    assert (importing.MAX_BYTES, importing.MAX_UNPACKED_BYTES, importing.MAX_ROWS) == (
        5 * 2**20, 50 * 2**20, 5000)


class _Form(RowForm):
    code = forms.CharField(max_length=3, error_messages={"required": "code is empty"})
    title = forms.CharField(error_messages={"required": "title is empty"})
    due = SheetDateField(required=False, error_messages={"invalid": "“%(value)s” is not a date"})

    def clean(self):
        if self.cleaned_data.get("title") == "bad":
            raise ValidationError(["rule one。", "rule two."])
        return self.cleaned_data


def test_row_forms_give_every_problem_of_a_row_in_column_order():
    rows = read_rows(_csv("code,title,due\nA,ok,2026-11-01\nTOOLONG,bad,someday\n,,\n,x,\nB,bad,\n"),
                     COLUMNS, what="x")
    result = ImportResult()
    with translation.override("en"):
        good = check_rows(rows, lambda row: _Form(row), result)
        assert [form.cleaned_data for form in good] == [
            {"code": "A", "title": "ok", "due": dt.date(2026, 11, 1)}]
        assert result.errors == [
            RowError(3, ("Ensure this value has at most 3 characters (it has 7)",
                         "“someday” is not a date", "rule one", "rule two")),
            RowError(5, ("code is empty",)),
            RowError(6, ("rule one", "rule two")),
        ]
    assert result.errors[2].message == "rule one; rule two"


def test_result_keeps_one_error_per_row_in_row_order():
    result = ImportResult()
    result.refuse(7, "late")
    result.refuse(3, "first")
    result.refuse(7, "again")
    assert result.errors == [RowError(3, ("first",)), RowError(7, ("late", "again"))]


def test_result_shows_the_first_100_bad_rows_and_counts_the_rest():
    result = ImportResult()
    for row in range(251, 1, -1):          # refused bottom to top: the first rows still win
        result.refuse(row, f"problem of {row}")
    result.refuse(2, "and another")
    result.refuse(200, "not shown")
    assert [error.row for error in result.errors] == list(range(2, 102))
    assert result.errors[0] == RowError(2, ("problem of 2", "and another"))
    assert (len(result.errors), result.more_errors, len(result.failed_rows)) == (100, 150, 250)


def test_result_cuts_a_long_problem_to_400_characters():
    result = ImportResult()
    result.refuse(2, "x" * 5000, "short")
    assert result.errors == [RowError(2, ("x" * 399 + "…", "short"))]
    assert importing.ERRORS_SHOWN == 100 and importing.PROBLEM_MAX_CHARS == 400


@pytest.mark.parametrize(("text", "date"), [
    ("2026-11-01", dt.date(2026, 11, 1)), ("2026/11/01", dt.date(2026, 11, 1)),
    ("2026.11.01", dt.date(2026, 11, 1)), ("2026年11月1日", dt.date(2026, 11, 1)),
    (dt.date(2026, 11, 1), dt.date(2026, 11, 1)),
])
def test_sheet_dates_in_every_written_form(text, date):
    assert SheetDateField().clean(text) == date


def test_writer_xlsx_names_the_sheet_and_makes_formulas_inert():
    content = xlsx_bytes("任务清单", ["编码", "标题"], [["=1+1", 3], ["-东街-", dt.date(2026, 11, 1)]],
                         above=["标题行"], widths=[10, 20])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "任务清单"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["标题行", None], [None, None], ["编码", "标题"], ["'=1+1", 3],
        ["'-东街-", dt.datetime(2026, 11, 1)],
    ]
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert sheet["A3"].font.b is True


def test_writer_csv_round_trips_through_the_reader():
    text = csv_text(["编码", "Title"], [["@SUM(A1)", "东街"]])
    assert text == "\ufeff编码,Title\r\n'@SUM(A1),东街\r\n"
    rows = read_rows(_csv(text[1:]), COLUMNS, what="x")
    assert _data(rows) == [(2, {"code": "@SUM(A1)", "title": "东街"})]


# ---- the bounds, on every import page ----------------------------------------------------------

IMPORTS = {
    # URL name → (the form's other fields, a header row the importer reads)
    "task-import": (lambda tree: {"unit": tree["district_a"].pk},
                    "code,parent_code,unit_code,title,category,start,due,target,measure"),
    "inspections:points-import": (lambda tree: {}, "code,name,kind,unit_code"),
}


@pytest.fixture
def importer(tree, member):
    return member(tree["district_a"], role="coordinator")


def _post_import(client, tree, importer, name, content: bytes):
    client.force_login(importer)
    fields, _header = IMPORTS[name]
    return client.post(reverse(name), {**fields(tree), "file": _csv(content.decode(), name="x.csv")})


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_every_import_page_states_its_bounds(client, tree, importer, name):
    client.force_login(importer)
    page = client.get(reverse(name)).content.decode()
    assert "最多 5000 行、5 MB。" in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_every_import_refuses_more_rows_than_its_bound_with_a_message(client, tree, importer, name):
    header = IMPORTS[name][1]
    rows = "\n".join(f"R{n},x" for n in range(importing.MAX_ROWS + 1))
    response = _post_import(client, tree, importer, name, f"{header}\n{rows}\n".encode())
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["工作表超过 5000 行，请拆成几个文件。"]
    assert response.context["result"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_every_import_refuses_a_file_over_its_size_bound_with_a_message(client, tree, importer, name):
    header = IMPORTS[name][1]
    content = f"{header}\n".encode() + b"x" * importing.MAX_BYTES
    response = _post_import(client, tree, importer, name, content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["文件超过 5 MB。"]
