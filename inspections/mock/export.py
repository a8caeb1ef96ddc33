"""A mock evaluation's report as an XLSX workbook (one sheet per table) and as a .docx report,
in the user's language. Rates are percentages rounded half-up to 0.1; changes are percentage
points against the previous mock ("—" when there is none)."""

import datetime as dt
from collections.abc import Sequence
from io import BytesIO

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from campaign.documents.official import OfficialDocument
from campaign.spreadsheets import safe_cell
from inspections.mock.report import Line, MockReport

NONE = "—"


def _number(value):
    return NONE if value is None else value


def _same(value):
    return value


def signed(value) -> str:
    """A change as the report page writes it: +2.3, −2.3 (a minus sign), 0.0, "—"."""
    if value is None:
        return NONE
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{abs(value)}"


def _tables(report: MockReport, points=_same, changes=_number
            ) -> list[tuple[str, list[str], list[list]]]:
    """(title, headers, rows) of every table, shared by both formats; `points` formats the
    points possible and deducted (numbers in the workbook, "18" rather than "18.00" in text),
    `changes` the changes (numbers in the workbook, signed in text)."""
    rate, change = _("Score rate (%)"), _("Change (points)")
    possible, deducted = _("Points possible"), _("Points deducted")

    def row(line: Line, *first) -> list:
        return [*first, points(line.possible), points(line.deducted), _number(line.percent),
                changes(line.change)]

    return [
        (_("By criterion"), [_("Category"), _("Criterion"), _("Findings"), possible, deducted,
                             rate, change],
         [row(line, line.group, line.label, line.visits) for line in report.criteria]),
        (_("By category"), [_("Category"), _("Findings"), possible, deducted, rate, change],
         [row(line, line.label, line.visits) for line in report.categories]),
        (_("By unit"), [_("Responsible unit"), _("Visits"), possible, deducted, rate, change],
         [row(line, line.label, line.visits) for line in report.units]),
        (_("Points that lost most"), [_("Code"), _("Point"), _("Responsible unit"), _("Visits"),
                                      possible, deducted, rate, change],
         [row(line, line.code, line.label, line.group, line.visits)
          for line in report.top_points]),
    ]


def _summary(report: MockReport, change=_number) -> list[list]:
    mock = report.mock
    previous = report.previous
    return [
        [_("Units evaluated"), mock.unit.name],
        [_("Period"), f"{mock.starts_on:%Y-%m-%d} – {mock.ends_on:%Y-%m-%d}"],
        [_("Random seed"), str(mock.seed)],
        [_("Points visited"), _("%(visited)s of %(drawn)s") % {"visited": report.visited,
                                                               "drawn": report.drawn}],
        [_("Visits"), report.overall.visits],
        [_("Score rate (%)"), _number(report.overall.percent)],
        [_("Previous mock evaluation"), previous.name if previous else NONE],
        [_("Change (points)"), change(report.overall.change)],
    ]


def mock_xlsx(report: MockReport) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")
    sheet.append([safe_cell(report.mock.name)])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in _summary(report):
        sheet.append([label, safe_cell(value)])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 36
    for title, headers, rows in _tables(report):
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append([safe_cell(value) for value in values])
        for column in "ABCDEFGH":
            sheet.column_dimensions[column].width = 16
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Column widths (mm) of each table in the .docx, adding up to the type area's 156 mm.
DOCX_WIDTHS = ([24, 40, 14, 18, 18, 20, 22], [48, 18, 22, 22, 22, 24], [48, 18, 22, 22, 22, 24],
               [16, 30, 28, 12, 16, 16, 18, 20])
DOCX_ALIGN = ("llrrrrr", "lrrrrr", "lrrrrr", "lllrrrrr")


def mock_docx(report: MockReport, *, definitions: Sequence[object], date: dt.date) -> bytes:
    """The report as an official document (GB/T 9704, campaign.documents): the mock's unit
    heads it, unnumbered (an internal report); the summary, how the rates are defined, then
    one numbered section per table."""
    document = OfficialDocument(
        office=report.mock.unit.name, date=date,
        title=_("Mock evaluation report: %(name)s") % {"name": report.mock.name})
    document.heading(_("Summary"))
    document.table([pgettext("summary table", "Item"), _("Value")], _summary(report, signed),
                   widths_mm=[50, 106], align="ll")
    document.heading(_("How the rates are computed"))
    for text in definitions:
        document.paragraph(str(text))
    tables = _tables(report, lambda value: floatformat(value, "-2"), signed)
    for (title, headers, rows), widths, align in zip(tables, DOCX_WIDTHS, DOCX_ALIGN,
                                                      strict=True):
        document.heading(title)
        if rows:
            document.table(headers, rows, widths_mm=widths, align=align)
        else:
            document.paragraph(_("Nothing to show."))
    return document.to_bytes()
