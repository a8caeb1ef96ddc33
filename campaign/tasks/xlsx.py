"""The task list (任务清单) as an XLSX sheet: export, and an all-or-nothing import that reports
every bad row."""

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import InvalidFileException

from campaign.enums import TaskCategory
from campaign.models import Progress, Task, Unit, User
from campaign.spreadsheets import FORMULA_START
from campaign.tasks.services import TaskError, amount, create_task, task_problems
from campaign.tree import subtree_q

# The import reads these columns by position; the export writes them first, then figures.
COLUMNS = [
    gettext_lazy("Code"), gettext_lazy("Parent code"), gettext_lazy("Unit code"),
    gettext_lazy("Title"), gettext_lazy("Category"), gettext_lazy("Start date"),
    gettext_lazy("Due date"), gettext_lazy("Target"), gettext_lazy("Measure"),
    gettext_lazy("Lead (username)"), gettext_lazy("Description"),
]
FIGURES = [gettext_lazy("Done"), gettext_lazy("Status"), gettext_lazy("Unit")]
MAX_ROWS = 5000
# Codes the system gives ("-" while a task is created, "<unit code>-T<id>" after): an import may
# not take them, or a later task would collide with it.
SYSTEM_CODE = re.compile(r"-|.*-T[0-9]+")


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    created: list[Task] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    code: str
    parent_code: str
    unit: Unit
    title: str
    category: str
    start: dt.date
    due: dt.date
    target: Decimal
    measure: str
    lead: User | None
    description: str


def export_tasks(tasks: list[Task]) -> bytes:
    """`tasks` come with campaign.tasks.services.attach_progress applied and parents before children."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Task list"))
    sheet.append([str(title) for title in COLUMNS + FIGURES])
    codes: dict[int | None, str] = {task.pk: task.code for task in tasks}
    for task in tasks:
        sheet.append([_cell(sheet, value) for value in (
            task.code, codes.get(task.parent_id) or (task.parent.code if task.parent else ""),
            task.unit.code, task.title, str(task.get_category_display()), task.start, task.due,
            float(task.target), task.measure, task.lead.username if task.lead else "",
            task.description, float(task.done), str(task.status.label), task.unit.name,
        )])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """Text is written as text: a title such as "=HYPERLINK(…)" must not become a live formula.
    (A string-typed cell keeps the title exactly as typed, so the sheet imports back unchanged.)"""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def import_tasks(upload, *, unit: Unit, by: User) -> ImportResult:
    """Create the tasks listed in the sheet under `unit`. Any bad row: nothing is created and
    every bad row is reported with its number."""
    raw = _read_sheet(upload)
    result = ImportResult()
    rows = _parse(raw, unit, result.errors)
    _check_sums(raw, rows, unit, result.errors)
    if result.errors:
        result.errors.sort(key=lambda error: error.row)
        return result
    with transaction.atomic():
        made: dict[str, Task] = {}
        for row in rows:
            parent = made.get(row.parent_code)
            if parent is None and row.parent_code:
                parent = Task.objects.select_related("unit").filter(
                    campaign=unit.campaign, code=row.parent_code
                ).first()
                if parent is None:  # its row failed just now
                    result.errors.append(RowError(row.number, _("the parent task “%(code)s” was not created")
                                                  % {"code": row.parent_code}))
                    continue
            try:
                task = create_task(
                    unit=row.unit, parent=parent, code=row.code, title=row.title, category=row.category,
                    start=row.start, due=row.due, target=row.target, measure=row.measure,
                    lead=row.lead, description=row.description, by=by,
                )
            except TaskError as error:
                result.errors.append(RowError(row.number, str(error)))
                continue
            made[task.code] = task
            result.created.append(task)
        if result.errors:
            transaction.set_rollback(True)
            result.created = []
    return result


def _read_sheet(upload) -> list[tuple[int, list]]:
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError, TypeError) as error:
        raise ImportFileError(_("This file is not an XLSX workbook. Save the task list as .xlsx "
                                "(Excel or WPS) and try again.")) from error
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged zip
        raise ImportFileError(_("This XLSX file is damaged and cannot be read.")) from error
    try:
        return _sheet_rows(book)
    finally:
        book.close()


def _sheet_rows(book) -> list[tuple[int, list]]:
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise ImportFileError(_("The workbook has no sheet."))
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number == 1:
            continue  # the header
        values = list(values)[: len(COLUMNS)]
        values += [None] * (len(COLUMNS) - len(values))
        if all(value in (None, "") for value in values):
            continue
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(_("The sheet has more than %(max)s rows; split it into several files.")
                                  % {"max": MAX_ROWS})
    if not rows:
        raise ImportFileError(_("The sheet has no task rows under its header."))
    return rows


def _parse(raw, unit: Unit, errors: list[RowError]) -> list[_Row]:
    """Every problem of every row at once: the shape of each cell, then the rules a new task
    must keep (campaign.tasks.services.task_problems), against a parent above in the file or in the
    database."""
    units = {u.code: u for u in Unit.objects.filter(subtree_q([unit.path]), campaign=unit.campaign)}
    existing = set(
        Task.objects.filter(campaign=unit.campaign).values_list("code", flat=True)
    )
    parent_codes = {_text(values[1]) for _number, values in raw if _text(values[1])}
    stored_parents = {
        task.code: task for task in Task.objects.filter(
            subtree_q([unit.path], "unit__path"), campaign=unit.campaign, code__in=parent_codes
        ).select_related("unit").annotate(has_reports=Exists(Progress.objects.filter(task=OuterRef("pk"))))
    }
    usernames = {_text(values[9]) for _number, values in raw if _text(values[9])}
    leads = {user.username: user for user in User.objects.filter(username__in=usernames)}
    seen: set[str] = set()
    good: dict[str, _Row] = {}      # rows without a problem, by code
    failed: dict[str, int] = {}     # rows with a problem: code → row number
    rows = []
    for number, values in raw:
        problems: list[str] = []
        code, parent_code, unit_code, title = (_text(value) for value in values[:4])
        if code and (code in existing or code in seen):
            problems.append(_("the code “%(code)s” is already used") % {"code": code})
        elif code and SYSTEM_CODE.fullmatch(code):
            problems.append(_("the code “%(code)s” has the form the system gives (“-” or ending in "
                              "“-T” and a number): leave the code empty or choose another")
                            % {"code": code})
        if len(code) > 40:
            problems.append(_("the code is longer than %(max)s characters") % {"max": 40})
        parent_row = good.get(parent_code)
        if parent_code in failed:
            problems.append(_("the parent row %(row)s failed") % {"row": failed[parent_code]})
        elif parent_code and parent_row is None and parent_code not in stored_parents:
            problems.append(_("no task with the parent code “%(code)s” above this row or under %(unit)s")
                            % {"code": parent_code, "unit": unit})
        row_unit = units.get(unit_code)
        if row_unit is None:
            problems.append(_("no unit with the code “%(code)s” under %(unit)s")
                            % {"code": unit_code, "unit": unit})
        if not title:
            problems.append(_("the title is empty"))
        elif len(title) > 200:
            problems.append(_("the title is longer than %(max)s characters") % {"max": 200})
        category = _category(values[4])
        if category is None:
            problems.append(_("unknown category “%(value)s”") % {"value": _text(values[4])})
        start, due = _date(values[5]), _date(values[6])
        if start is None:
            problems.append(_("the start date “%(value)s” is not a date (YYYY-MM-DD or YYYY/MM/DD)")
                            % {"value": _text(values[5])})
        if due is None:
            problems.append(_("the due date “%(value)s” is not a date (YYYY-MM-DD or YYYY/MM/DD)")
                            % {"value": _text(values[6])})
        target = _number(values[7])
        if target is None or target <= 0:
            problems.append(_("the target “%(value)s” is not a number above zero")
                            % {"value": _text(values[7])})
            target = None
        elif target != target.quantize(Decimal("0.01")):
            problems.append(_("the target “%(value)s” has more than 2 decimals")
                            % {"value": _text(values[7])})
        measure = _text(values[8])
        if not measure:
            problems.append(_("the measure is empty"))
        elif len(measure) > 20:
            problems.append(_("the measure is longer than %(max)s characters") % {"max": 20})
        lead_name = _text(values[9])
        if lead_name and lead_name not in leads:
            problems.append(_("no user “%(value)s”") % {"value": lead_name})
        lead = leads.get(lead_name)
        if row_unit is not None and start is not None and due is not None and target is not None:
            parent: Task | None
            if parent_row is not None:
                parent = Task(unit=parent_row.unit, title=parent_row.title, start=parent_row.start,
                              due=parent_row.due, measure=parent_row.measure)
                has_reports: bool | None = False
            else:
                parent = stored_parents.get(parent_code) if parent_code not in failed else None
                has_reports = parent.has_reports if parent is not None else None
            if parent is not None or not parent_code:
                rules = task_problems(unit=row_unit, start=start, due=due, target=target, lead=lead,
                                      measure=measure, parent=parent, parent_has_reports=has_reports)
                problems += [problem.rstrip("。.") for problem in rules]  # joined with "; " below
        if code:
            seen.add(code)
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            if code:
                failed[code] = number
            continue
        # Each value left None above added a problem.
        assert row_unit is not None and category is not None and start is not None
        assert due is not None and target is not None
        row = _Row(number, code, parent_code, row_unit, title, category, start, due, target, measure, lead,
                   _text(values[10]))
        if code:
            good[code] = row
        rows.append(row)
    return rows


def _check_sums(raw, rows: list[_Row], unit: Unit, errors: list[RowError]) -> None:
    """Children listed in the file must add up to their parent's target (with its existing children)."""
    by_code = {row.code: row for row in rows if row.code}
    sums: dict[str, Decimal] = {}
    for row in rows:
        if row.parent_code:
            sums[row.parent_code] = sums.get(row.parent_code, Decimal(0)) + row.target
    # A sum is told only when every child row was read without a problem (a parent row with a
    # problem fails its children too).
    bad_rows = {error.row for error in errors}
    incomplete = {_text(values[1]) for number, values in raw if number in bad_rows}
    for parent_code, total in sums.items():
        if parent_code in incomplete:
            continue
        parent_row = by_code.get(parent_code)
        if parent_row is not None:
            target, number = parent_row.target, parent_row.number
        else:
            parent = Task.objects.filter(campaign=unit.campaign, code=parent_code).first()
            if parent is None:
                continue
            existing = sum(parent.children.values_list("target", flat=True), Decimal(0))
            target, number, total = parent.target, None, total + existing
        if total != target:
            where = number or next(row.number for row in rows if row.parent_code == parent_code)
            errors.append(RowError(where, _(
                "the child tasks of “%(code)s” add up to %(total)s but its target is %(target)s"
            ) % {"code": parent_code, "total": amount(total), "target": amount(target)}))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _category(value) -> str | None:
    """A category by its code or by its name in Chinese or English, whatever the page language."""
    text = _text(value)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for choice in TaskCategory:
                if text in (choice.value, str(choice.label)):
                    return choice.value
    return None


def _date(value) -> dt.date | None:
    """A real date cell, or text in a format the web form takes (in the page's language), or
    2026-11-01 / 2026/11/01 / 2026.11.01 / 2026年11月1日 whatever the language."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return forms.DateField().to_python(text)
    except ValidationError:
        pass
    for layout in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def _number(value) -> Decimal | None:
    """The number as written (not rounded: the caller refuses more than 2 decimals)."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(_text(value).replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or number >= Decimal("1e10"):
        return None
    return number
