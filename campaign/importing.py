"""Sheets in and out, for every register that imports or exports one (tasks, points, …).

In: `read_rows` reads an XLSX or CSV upload (bounded in bytes, unpacked size, columns and rows)
and finds its columns by the importer's header-alias table (`Columns`), so a sheet headed in
Chinese or English, in any order, reads the same. Each row is then checked by a Django form of the
importer's (`RowForm`): the form's messages are the row's problems, all of them at once. The result
(`ImportResult`) counts every bad row and keeps the first ERRORS_SHOWN with their problems (the
page lists those and says how many more); an importer writes nothing unless no row is bad.

Out: `xlsx_bytes` and `csv_text` write a sheet whose text cells are inert (`safe_cell`), under
headers in the reader's language; `read_rows` strips the mark again (`plain_cell`), so an export
imports unchanged.
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from campaign.spreadsheets import plain_cell, safe_cell

MAX_BYTES = 5 * 1024 * 1024
# An XLSX is a zip: 5 MB of it may unpack to gigabytes of XML, which openpyxl would parse.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50
# The error report of one import: the first rows with their problems, the rest counted. A file
# of 5,000 bad rows gives a page of 100 rows and "… and 4,900 more errors", not megabytes.
ERRORS_SHOWN = 100
# One problem as reported: a message may quote a cell, and a cell may hold 32,767 characters.
PROBLEM_MAX_CHARS = 400
HEADER_LANGUAGES = ("zh-hans", "en")


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the person."""


# ---- the header-alias table ---------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of an importer: the form field it fills, its header (translated on export) and
    other headers people write for it."""
    name: str
    label: Promise | str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def headers(self) -> set[str]:
        """Every header read as this column, compared without case or surrounding spaces: the
        field name, the label in Chinese and in English, and the aliases."""
        found = {self.name, *self.aliases}
        for language in HEADER_LANGUAGES:
            with translation.override(language):
                found.add(str(self.label))
        return {_key(header) for header in found}


class Columns:
    """An importer's columns, in the order its export writes them."""

    def __init__(self, *columns: Column):
        self.columns = columns

    def __iter__(self):
        return iter(self.columns)

    def labels(self) -> list[str]:
        """The headers in the active language (what the export writes and the page lists)."""
        return [str(column.label) for column in self.columns]

    def positions(self, header: Sequence) -> dict[str, int]:
        """Field name → position of its column in `header`; the first matching column wins."""
        by_header = {alias: column.name for column in self.columns for alias in column.headers()}
        found: dict[str, int] = {}
        for position, cell in enumerate(header):
            name = by_header.get(_key(cell))
            if name is not None and name not in found:
                found[name] = position
        return found


def _key(header: Any) -> str:
    return str(header if header is not None else "").strip().casefold()


# ---- reading -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    number: int                # as the spreadsheet shows it (the header is row 1)
    data: dict[str, Any]       # field name → cell: text (stripped), a date, or "" when empty


def read_rows(upload, columns: Columns, *, what: str) -> list[Row]:
    """The rows under the header of an uploaded .csv (UTF-8) or .xlsx (anything else is read as
    XLSX), blank rows skipped. `what` names the sheet in messages ("the task list").
    Raises ImportFileError for a file that is too big, unreadable, without the required columns,
    with no row or with more than MAX_ROWS rows."""
    if upload.size > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(max)s MB.") % {"max": MAX_BYTES // 2**20})
    if upload.name.lower().endswith(".csv"):
        lines = _csv_lines(upload)
    else:
        lines = _xlsx_lines(upload, what)
    try:
        header = next(lines, None)
        if header is None:
            raise ImportFileError(_("The sheet has no header row."))
        positions = columns.positions(header)
        missing = [str(column.label) for column in columns
                   if column.required and column.name not in positions]
        if missing:
            raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        rows = []
        for number, values in enumerate(lines, start=2):
            cells = {name: _cell(values[position] if position < len(values) else None)
                     for name, position in positions.items()}
            if all(value == "" for value in cells.values()):
                continue
            rows.append(Row(number, cells))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(_("The sheet has more than %(max)s rows; split it into several "
                                        "files.") % {"max": MAX_ROWS})
    finally:
        lines.close()
    if not rows:
        raise ImportFileError(_("The sheet has no rows under its header."))
    return rows


def _csv_lines(upload):
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("This CSV file is not UTF-8 text. Save it as “CSV UTF-8” (Excel or "
                                "WPS) and try again.")) from error
    try:
        # Materialised here so that a malformed file fails now, with the file's message.
        lines = [line[:MAX_COLUMNS] for line in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise ImportFileError(_("This CSV file is damaged and cannot be read.")) from error
    yield from lines


def _xlsx_lines(upload, what: str):
    not_xlsx = _("This file is not an XLSX workbook. Save %(what)s as .xlsx (Excel or WPS) and try "
                 "again.") % {"what": what}
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(not_xlsx) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("The workbook unpacks to more than %(max)s MB; split it into several "
                                "files.") % {"max": MAX_UNPACKED_BYTES // 2**20})
    upload.seek(0)
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as error:
        raise ImportFileError(not_xlsx) from error
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged zip
        raise ImportFileError(_("This XLSX file is damaged and cannot be read.")) from error
    return _sheet_lines(book)


def _sheet_lines(book):
    try:
        if not book.worksheets:
            raise ImportFileError(_("The workbook has no sheet."))
        yield from book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    finally:
        book.close()


def _cell(value) -> Any:
    """A cell as the row form reads it: text stripped (an export's formula mark removed), whole
    numbers without ".0", dates as dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return plain_cell(str(value).strip())


class SheetFileField(forms.FileField):
    """The upload field of every import: it says what the reader takes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _lazy_bounds())
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
        super().__init__(**kwargs)


def _bounds() -> str:
    return _("XLSX, or CSV in UTF-8; the first row names the columns (in Chinese or English, in any "
             "order). At most %(rows)s rows and %(mb)s MB.") % {"rows": MAX_ROWS, "mb": MAX_BYTES // 2**20}


_lazy_bounds = lazy(_bounds, str)


# ---- checking ------------------------------------------------------------------------------

class RowForm(forms.Form):
    """A form for one row of a sheet. Its errors, field by field in column order and then the
    row's own, are the row's problems."""

    def __init__(self, row: Row, **kwargs):
        super().__init__(row.data, **kwargs)
        self.row = row

    def problems(self) -> list[str]:
        problems = []
        for name in [*self.fields, "__all__"]:
            problems += [str(message).rstrip("。.") for message in self.errors.get(name, [])]
        return problems

    def checked(self) -> None:
        """Called once the row is judged (rows below may depend on it, e.g. a parent task)."""


@dataclass(frozen=True)
class RowError:
    row: int
    problems: tuple[str, ...]

    @property
    def message(self) -> str:
        return "; ".join(self.problems)


class ImportResult:
    """What an import created and updated, or why it did nothing: every bad row is counted
    (`failed_rows`), the first ERRORS_SHOWN of them by row number are kept with their problems
    (`errors`, in row order) and the others are only counted (`more_errors`). Memory and the
    page stay bounded whatever the file holds; the decision (a bad row: nothing imported) reads
    the count, never the shown list."""

    def __init__(self) -> None:
        self.created: list = []
        self.updated: list = []
        self.failed_rows: set[int] = set()
        self._shown: dict[int, tuple[str, ...]] = {}

    @property
    def errors(self) -> list[RowError]:
        """The bad rows shown, in row order (at most ERRORS_SHOWN)."""
        return [RowError(row, problems) for row, problems in sorted(self._shown.items())]

    @property
    def more_errors(self) -> int:
        """Bad rows beyond those shown."""
        return len(self.failed_rows) - len(self._shown)

    def refuse(self, row: int, *problems: str) -> None:
        """Add problems to a row (one RowError per row). Rows are refused in any order (a sum
        is checked after every row): the rows kept are always the first ERRORS_SHOWN."""
        cut = tuple(_cut(problem) for problem in problems)
        self.failed_rows.add(row)
        if row in self._shown:
            self._shown[row] += cut
        elif len(self._shown) < ERRORS_SHOWN:
            self._shown[row] = cut
        else:
            last = max(self._shown)
            if row < last:
                del self._shown[last]
                self._shown[row] = cut


def _cut(problem: str) -> str:
    return problem if len(problem) <= PROBLEM_MAX_CHARS else problem[:PROBLEM_MAX_CHARS - 1] + "…"


def check_rows(rows: Iterable[Row], form_for: Callable[[Row], RowForm], result: ImportResult) -> list:
    """Each row through its form, top to bottom; the valid forms are returned, the problems of the
    others go to `result`."""
    good = []
    for row in rows:
        form = form_for(row)
        if form.is_valid():
            good.append(form)
        else:
            result.refuse(row.number, *form.problems())
        form.checked()
    return good


class SheetDateField(forms.DateField):
    """A date cell, or text in a format of the web form (in the page's language), or
    2026-11-01 / 2026/11/01 / 2026.11.01 / 2026年11月1日 whatever the language. The `invalid`
    message may name the cell as %(value)s; a required date left empty gets it too."""
    LAYOUTS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

    def to_python(self, value):
        if isinstance(value, dt.date):
            return value
        text = str(value if value is not None else "").strip()
        if not text and not self.required:
            return None
        if text:
            try:
                return super().to_python(text)
            except ValidationError:
                pass
            for layout in self.LAYOUTS:
                try:
                    return dt.datetime.strptime(text, layout).date()
                except ValueError:
                    continue
        raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": text})


# ---- writing -------------------------------------------------------------------------------

def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence], *,
               above: Sequence[str] = (), below: Sequence[str] = (),
               widths: Sequence[int] = ()) -> bytes:
    """One sheet named `title`: optional lines of text `above` the bold header, the rows, lines
    `below`. Text cells that a spreadsheet would run are written inert (`safe_cell`)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])   # Excel's limit on a sheet name
    for column, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(column + 1)].width = width
    for line in above:
        sheet.append([safe_cell(line)])
    if above:
        sheet.append([])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(str(header)))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    if below:
        sheet.append([])
    for line in below:
        sheet.append([safe_cell(line)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The same sheet as UTF-8 CSV with a byte-order mark (so Excel reads the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(str(header)) for header in headers])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()

