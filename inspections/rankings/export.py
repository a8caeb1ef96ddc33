"""The bulletin as an XLSX workbook and as an official document (.docx, GB/T 9704—2012), in the
user's language."""

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from campaign.documents.numbers import document_copies_to, document_office
from campaign.documents.official import OfficialDocument
from campaign.enums import UnitKind
from campaign.spreadsheets import safe_cell
from inspections.rankings.queries import Line, MonthResult
from inspections.rankings.scoring import Standing, formula

# Rows of each annex table at most (the visits that lost points; the items that missed their
# deadline): a district's month lists hundreds of visits and over a thousand items.
MAX_ANNEX_ROWS = 1000


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
    # The recurrences are a component of the score only while they cost points.
    costly = bool(result.recurrence_deduction)
    if costly:
        headers.append(_("Recurrences"))
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
                *([s.recurrences] if costly else []),
            ])
    sheet.append([])
    weights = formula(result.inspection_weight)
    sheet.append([_("Monthly score = %(w)s × inspection score + %(v)s × 100 × on-time rate (the "
                    "inspection score alone when nothing fell due); fewer than %(n)s visits: not "
                    "ranked.") % {"w": weights[0], "v": weights[1], "n": result.min_sample}])
    if result.recurrence_deduction:
        sheet.append([_("Each recurrence filed in the month in a unit's area takes %(p)s points off "
                        "its monthly score, never below 0.") % {"p": result.recurrence_deduction}])
    for column, width in zip("ABCDEFGHIJKL", [14, 10, 28, 10, 12, 14, 10, 12, 8, 12, 12, 10], strict=True):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _kind_label(kind: str) -> str:
    return str(UnitKind(kind).label) if kind in UnitKind.values else kind


def _rank_cell(s: Standing) -> str:
    return str(s.rank) if s.ranked else _("Not ranked")


def _on_time_cell(s: Standing) -> str:
    if s.on_time_percent is None:
        return _("none due")
    return f"{s.on_time_percent}%（{s.on_time}/{s.due}）"


def _movement_cell(s: Standing) -> str:
    if s.is_new:
        return _("new")
    movement = s.movement
    if movement is None or movement == 0:
        return "—"
    return f"↑{movement}" if movement > 0 else f"↓{-movement}"


def _names(lines: list[Line]) -> str:
    return "、".join(f"{line.unit.name}（{line.standing.score}）" for line in lines) or _("None.")


def bulletin_document(result: MonthResult, details: dict[int, dict], *, date: dt.date,
                      corrects: str = "") -> OfficialDocument:
    """The bulletin laid out as an official document: number (none for a draft, which is marked
    as one), each kind's ranking table, the red and warning lists, the units flagged for
    accountability, the rule, where the points were lost as an annex, and the imprint (版记).
    `details` is queries.month_details(result); `corrects` the number of the revision a
    correction replaces."""
    parent = result.parent
    month = result.month
    title = _("Bulletin on the scores and ranks of the civilized city campaign for %(year)s-%(month)s") % {
        "year": month.year, "month": month.month}
    bulletin = result.bulletin
    if bulletin is not None and bulletin.revision > 1:
        title += _(" (corrected)")
    kinds = result.kinds()
    doc = OfficialDocument(
        office=document_office(parent), number=bulletin.code if bulletin else "", title=title,
        addressee="、".join(_("every %(kind)s") % {"kind": _kind_label(kind)} for kind in kinds),
        date=date, draft_mark="" if bulletin else _("Draft: not published"),
        # The imprint (版记); a draft is not printed yet, so its line has no date.
        copies_to=document_copies_to(parent), printer=document_office(parent),
        printed=date if bulletin else None,
    )
    if bulletin is not None and bulletin.reason:
        doc.paragraph(_("This bulletin corrects %(code)s (revision %(n)s). Reason for the "
                        "correction: %(reason)s") % {
            "code": corrects or "—", "n": bulletin.revision, "reason": bulletin.reason})
    doc.paragraph(_("The units below %(parent)s were scored and ranked for %(year)s-%(month)s "
                    "against the campaign's standard. The results are announced as follows.") % {
        "parent": parent.name, "year": month.year, "month": month.month})

    doc.heading(_("Rankings"))
    for kind in kinds:
        lines = result.lines_of(kind)
        if len(kinds) > 1:
            doc.heading(_kind_label(kind), level=2)
        doc.table(
            [_("Rank"), _("Unit"), _("Score"), _("Inspection score"), _("On-time rate"),
             _("Visits"), _("Since last month")],
            [[_rank_cell(s), line.unit.name, s.score if s.score is not None else "—",
              s.inspection_score if s.inspection_score is not None else "—", _on_time_cell(s),
              s.visits, _movement_cell(s)] for line in lines for s in [line.standing]],
            widths_mm=[13, 36, 18, 22, 28, 22, 17], align="clrrrrc")

    doc.heading(_("Red list and warning list"))
    for kind in kinds:
        lines = result.lines_of(kind)
        prefix = f"{_kind_label(kind)}：" if len(kinds) > 1 else ""
        doc.paragraph(_names([line for line in lines if line.standing.in_top]),
                      lead=f"{prefix}{_('Red list')}：")
        doc.paragraph(_names([line for line in lines if line.standing.in_bottom]),
                      lead=f"{prefix}{_('Warning list')}：")

    doc.heading(_("Flagged for accountability"))
    flagged = [line for line in result.lines if line.standing.flagged]
    for line in flagged:
        doc.paragraph(_("%(u)s: in the bottom places %(n)s months running")
                      % {"u": line.unit.name, "n": line.standing.streak})
    if not flagged:
        doc.paragraph(_("None."))

    doc.heading(_("Scoring rule"))
    weights = formula(result.inspection_weight)
    doc.paragraph(_("Monthly score = %(w)s × inspection score + %(v)s × 100 × on-time rate (the "
                    "inspection score alone when nothing fell due); fewer than %(n)s visits: not "
                    "ranked.") % {"w": weights[0], "v": weights[1], "n": result.min_sample})
    doc.paragraph(_("Red list: the top %(n)s; warning list: the bottom %(n)s; a unit in the bottom "
                    "%(n)s for %(k)s published months in a row is flagged for accountability.")
                  % {"n": result.bottom_n, "k": result.streak_k})

    _annex(doc, result, details)
    return doc


def _annex(doc: OfficialDocument, result: MonthResult, details: dict[int, dict]) -> None:
    """谁丢分: every visit that lost points and every item that missed its deadline, by unit in
    the order of the ranking, each list held to MAX_ANNEX_ROWS rows."""
    annex = doc.annex(_("Where the points were lost"))
    visits, missed = [], []
    for line in result.lines:
        unit_details = details.get(line.unit.pk) or {}
        for visit in unit_details.get("visits", []):
            findings = "；".join(f"{f['criterion']}（{f['points']}）" for f in visit["findings"])
            visits.append([line.unit.name, visit["visited_at"][:10], visit["point"],
                           visit["score"], findings])
        for item in unit_details.get("missed", []):
            missed.append([line.unit.name, item["code"], item["title"], item["deadline"][:10],
                           item["submitted"][:10] or "—"])
    for heading, columns, rows, widths, align in (
        (_("Visits that lost points"),
         [_("Unit"), _("Date"), _("Point"), _("Visit score"), _("Findings (points)")],
         visits, [22, 25, 42, 16, 51], "lclrl"),
        (_("Items that missed their deadline"),
         [_("Unit"), _("Item code"), _("Item"), _("Deadline"), _("Fix submitted")],
         missed, [24, 34, 48, 25, 25], "lllcc"),
    ):
        annex.heading(heading)
        if not rows:
            annex.paragraph(_("None."))
            continue
        annex.table(columns, rows[:MAX_ANNEX_ROWS], widths_mm=widths, align=align)
        if len(rows) > MAX_ANNEX_ROWS:
            annex.paragraph(_("Only the first %(n)s of %(total)s rows are listed here; every one "
                              "is on the unit's page in the tracker.")
                            % {"n": MAX_ANNEX_ROWS, "total": len(rows)})
