"""The bulletin as an XLSX workbook, in the user's language."""

from io import BytesIO
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from campaign.enums import UnitKind
from campaign.spreadsheets import safe_cell
from inspections.rankings.queries import MonthResult
from inspections.rankings.scoring import formula


def bulletin_xlsx(result: MonthResult, *, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = str(result.month)
    sheet.append([safe_cell(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    if result.bulletin is None:
        sheet.append([_("Draft: not published")])
    else:
        published_at = result.bulletin.published_at
        sheet.append([_("Revision %(n)s, published %(at)s") % {
            "n": result.bulletin.revision,
            "at": (published_at.astimezone(ZoneInfo(result.campaign.time_zone)).strftime("%Y-%m-%d %H:%M")
                   if published_at else ""),
        }])
        if result.bulletin.reason:
            sheet.append([safe_cell(_("Reason for the correction: %(reason)s")
                                 % {"reason": result.bulletin.reason})])
    headers = [_("Group"), _("Rank"), _("Unit"), _("Score"), _("Inspection score"),
               _("On-time rate (%)"), _("Items due"), _("Fixed on time"), _("Visits"),
               _("Rank last month"), _("Flagged for accountability")]
    sheet.append([])
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    kinds = dict(UnitKind.choices)
    for kind in result.kinds():
        for line in result.lines_of(kind):
            s = line.standing
            sheet.append([
                str(kinds.get(kind, kind)),
                s.rank if s.ranked else _("Not ranked"),
                safe_cell(line.unit.name),
                s.score, s.inspection_score, s.on_time_percent, s.due, s.on_time, s.visits,
                s.previous_rank, _("Yes") if s.flagged else "",
            ])
    sheet.append([])
    weights = formula(result.inspection_weight)
    sheet.append([_("Monthly score = %(w)s × inspection score + %(v)s × 100 × on-time rate (the "
                    "inspection score alone when nothing fell due); fewer than %(n)s visits: not "
                    "ranked.") % {"w": weights[0], "v": weights[1], "n": result.min_sample}])
    for column, width in zip("ABCDEFGHIJK", [14, 10, 28, 10, 12, 14, 10, 12, 8, 12, 12], strict=True):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
