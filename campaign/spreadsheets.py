"""Cells written to an exported sheet (XLSX or CSV) are data, never formulas."""

import re
import zipfile
from collections.abc import Iterable, Sequence
from math import isfinite
from typing import IO, Any

# Spreadsheets run a cell starting with one of these as a formula (or a DDE call).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run is written with a leading apostrophe, so it is shown
    as the text it is; numbers, dates and other text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def plain_cell(value: str) -> str:
    """Read back a cell `safe_cell` wrote: an exported sheet imports as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# An export can be large (the ledger allows 200,000 rows) and the general writers cost too much
# per cell for that: writing ledger rows, openpyxl's write-only mode does 4,000 a second (5,600
# with lxml), XlsxWriter's constant-memory mode 8,600, this 35,000. So exports write the little
# of the format they need, one sheet of text and numbers, a batch of rows at a time into a zip
# stream; Excel's conventions (inline strings, the _xHHHH_ escape) are those XlsxWriter follows.
XLSX_BATCH_ROWS = 1000
XLSX_MAX_TEXT = 32_767   # longer text makes Excel refuse the file
XLSX_MAX_ROWS = 1_048_576   # Excel's, headers included

_PACKAGE = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="styles.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'
    ),
}
_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_START = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                "<sheetData>")
_SHEET_END = "</sheetData></worksheet>"
_SHEET_NAME_FORBIDDEN = re.compile(r"[][:*?/\\]")
# What text cannot hold as it is: markup, a carriage return (XML reads it as a line feed), the
# control characters XML forbids, and Excel's own _xHHHH_ escape, which Excel would decode.
_NEEDS_ESCAPE = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]|_x[0-9A-Fa-f]{4}_")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _escape_match(match: re.Match) -> str:
    found = match.group()
    if found in _ESCAPES:
        return _ESCAPES[found]
    if found.startswith("_x"):
        return "_x005F" + found
    return f"_x{ord(found):04X}_"


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name = ""
        index += 1
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def write_xlsx(handle: IO[bytes], rows: Iterable[Sequence[Any]], *, sheet: str) -> None:
    """Write rows (the first one the headers) as a one-sheet workbook into an open binary file.

    An int or a finite float is written as a number, None and "" as an empty cell, anything
    else as text, never as a formula, a link or a date; memory holds one batch of rows."""
    if not sheet or len(sheet) > 31 or _SHEET_NAME_FORBIDDEN.search(sheet):
        raise ValueError(f"Not a sheet name: {sheet!r}")
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in _PACKAGE.items():
            package.writestr(name, _XML_DECLARATION + xml)
        package.writestr("xl/workbook.xml", _XML_DECLARATION + _WORKBOOK.format(
            name=_NEEDS_ESCAPE.sub(_escape_match, sheet).replace('"', "&quot;")))
        with package.open("xl/worksheets/sheet1.xml", "w") as stream:
            stream.write((_XML_DECLARATION + _SHEET_START).encode())
            letters: list[str] = []
            batch: list[str] = []
            for number, row in enumerate(rows, start=1):
                if number > XLSX_MAX_ROWS:
                    raise ValueError(f"More than {XLSX_MAX_ROWS} rows for one sheet")
                if len(row) > len(letters):
                    letters = _column_letters(len(row))
                cells = []
                for letter, value in zip(letters, row, strict=False):
                    if value is None or value == "":
                        continue
                    kind = type(value)
                    if kind is int or (kind is float and isfinite(value)):
                        cells.append(f'<c r="{letter}{number}"><v>{value!r}</v></c>')
                        continue
                    text = value if kind is str else str(value)
                    if len(text) > XLSX_MAX_TEXT:
                        text = text[:XLSX_MAX_TEXT]
                    if _NEEDS_ESCAPE.search(text):
                        text = _NEEDS_ESCAPE.sub(_escape_match, text)
                    cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                                 f"{text}</t></is></c>")
                batch.append(f'<row r="{number}">{"".join(cells)}</row>')
                if len(batch) == XLSX_BATCH_ROWS:
                    stream.write("".join(batch).encode())
                    batch.clear()
            stream.write(("".join(batch) + _SHEET_END).encode())
