import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from campaign import spreadsheets
from campaign.spreadsheets import XLSX_BATCH_ROWS, XLSX_MAX_TEXT, safe_cell, write_xlsx


def test_safe_cell_makes_formulas_inert():
    assert [safe_cell(v) for v in ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "东街", 7]] == [
        "'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "东街", 7]


def _written(rows, sheet="台账"):
    handle = io.BytesIO()
    write_xlsx(handle, rows, sheet=sheet)
    handle.seek(0)
    return handle


def test_write_xlsx_writes_numbers_as_numbers_and_everything_else_as_text():
    book = load_workbook(_written([
        ["编码", "数量"],
        ['a & <b> "c"', 3],
        [" 前后有空格 ", 2.5],
        ["一行\r\n两行", 10**12],
        ["=1+1", None],
        ["", float("nan")],
        [True, dt.date(2026, 3, 1)],
    ]))
    assert book.sheetnames == ["台账"]
    assert [[(cell.data_type, cell.value) for cell in row] for row in book.active.iter_rows()] == [
        [("s", "编码"), ("s", "数量")],
        [("s", 'a & <b> "c"'), ("n", 3)],
        [("s", " 前后有空格 "), ("n", 2.5)],
        [("s", "一行\r\n两行"), ("n", 10**12)],
        [("s", "=1+1"), ("n", None)],       # text, never a formula
        [("n", None), ("s", "nan")],
        [("s", "True"), ("s", "2026-03-01")],
    ]


def test_write_xlsx_escapes_what_xml_cannot_hold_as_excel_does():
    # A control character becomes Excel's _xHHHH_ escape, and a literal escape in the text is
    # escaped in turn, so Excel shows both as they were typed (openpyxl shows the escapes).
    handle = _written([["响铃\x07", "_x0041_"]])
    with zipfile.ZipFile(handle) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert "响铃_x0007_" in sheet and "_x005F_x0041_" in sheet
    handle.seek(0)
    assert [cell.value for cell in load_workbook(handle).active[1]] == ["响铃_x0007_", "_x005F_x0041_"]


def test_write_xlsx_cuts_text_at_excels_limit_and_names_columns_past_z():
    row = ["x" * (XLSX_MAX_TEXT + 10)] + list(range(1, 30))
    sheet = load_workbook(_written([row], sheet="Ledger")).active
    assert len(sheet["A1"].value) == XLSX_MAX_TEXT
    assert (sheet["Z1"].value, sheet["AA1"].value, sheet["AD1"].value) == (25, 26, 29)


def test_write_xlsx_writes_every_row_across_batches():
    rows = [["编号"]] + [[n] for n in range(2 * XLSX_BATCH_ROWS + 5)]
    sheet = load_workbook(_written(rows)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == [r[0] for r in rows]


@pytest.mark.parametrize("name", ["", "a" * 32, "台账[1]", "a/b", "a:b", "a*b", "a?b", "a\\b"])
def test_write_xlsx_refuses_a_sheet_name_excel_refuses(name):
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), [["a"]], sheet=name)


def test_write_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 3)   # Excel's 1,048,576, made small
    write_xlsx(io.BytesIO(), [[1]] * 3, sheet="台账")
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), [[1]] * 4, sheet="台账")
