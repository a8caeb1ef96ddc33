"""The task list (任务清单) as an XLSX sheet: export, and an all-or-nothing import that reports
every bad row."""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from campaign.enums import TaskCategory
from campaign.models import Task, Unit, User
from campaign.tasks import TaskError, amount, create_task

# The import reads these columns by position; the export writes them first, then figures.
COLUMNS = [
    gettext_lazy("Code"), gettext_lazy("Parent code"), gettext_lazy("Unit code"),
    gettext_lazy("Title"), gettext_lazy("Category"), gettext_lazy("Start date"),
    gettext_lazy("Due date"), gettext_lazy("Target"), gettext_lazy("Measure"),
    gettext_lazy("Lead (username)"), gettext_lazy("Description"),
]
FIGURES = [gettext_lazy("Done"), gettext_lazy("Status"), gettext_lazy("Unit")]
MAX_ROWS = 5000


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
    """`tasks` come with campaign.tasks.attach_progress applied and parents before children."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Task list"))
    sheet.append([str(title) for title in COLUMNS + FIGURES])
    codes = {task.pk: task.code for task in tasks}
    for task in tasks:
        sheet.append([
            task.code, codes.get(task.parent_id, task.parent.code if task.parent_id else ""),
            task.unit.code, task.title, str(task.get_category_display()), task.start, task.due,
            float(task.target), task.measure, task.lead.username if task.lead else "",
            task.description, float(task.done), str(task.status.label), task.unit.name,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_tasks(upload, *, unit: Unit, by: User) -> ImportResult:
    """Create the tasks listed in the sheet under `unit`. Any bad row: nothing is created and
    every bad row is reported with its number."""
    raw = _read_sheet(upload)
    result = ImportResult()
    rows = _parse(raw, unit, result.errors)
    if result.errors:
        return result
    _check_sums(rows, unit, result.errors)
    if result.errors:
        return result
    with transaction.atomic():
        made: dict[str, Task] = {}
        for row in rows:
            parent = made.get(row.parent_code)
            if parent is None and row.parent_code:
                parent = Task.objects.select_related("unit").get(campaign=unit.campaign, code=row.parent_code)
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
    except (InvalidFileException, OSError, KeyError, ValueError, TypeError) as error:
        raise ImportFileError(_("This file is not an XLSX workbook. Save the task list as .xlsx "
                                "(Excel or WPS) and try again.")) from error
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged zip
        raise ImportFileError(_("This XLSX file is damaged and cannot be read.")) from error
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
    units = {u.code: u for u in Unit.objects.filter(campaign=unit.campaign, path__startswith=unit.path)}
    existing = set(
        Task.objects.filter(campaign=unit.campaign).values_list("code", flat=True)
    )
    in_scope = set(
        Task.objects.filter(unit__path__startswith=unit.path).values_list("code", flat=True)
    )
    usernames = {_text(values[9]) for _number, values in raw if _text(values[9])}
    leads = {user.username: user for user in User.objects.filter(username__in=usernames)}
    seen: set[str] = set()
    rows = []
    for number, values in raw:
        problems: list[str] = []
        code, parent_code, unit_code, title = (_text(value) for value in values[:4])
        if code and (code in existing or code in seen):
            problems.append(_("the code “%(code)s” is already used") % {"code": code})
        if parent_code and parent_code not in seen and parent_code not in in_scope:
            problems.append(_("no task with the parent code “%(code)s” above this row or under %(unit)s")
                            % {"code": parent_code, "unit": unit})
        row_unit = units.get(unit_code)
        if row_unit is None:
            problems.append(_("no unit with the code “%(code)s” under %(unit)s")
                            % {"code": unit_code, "unit": unit})
        if not title:
            problems.append(_("the title is empty"))
        category = _category(values[4])
        if category is None:
            problems.append(_("unknown category “%(value)s”") % {"value": _text(values[4])})
        start, due = _date(values[5]), _date(values[6])
        if start is None:
            problems.append(_("the start date “%(value)s” is not a date (YYYY-MM-DD)")
                            % {"value": _text(values[5])})
        if due is None:
            problems.append(_("the due date “%(value)s” is not a date (YYYY-MM-DD)")
                            % {"value": _text(values[6])})
        target = _number(values[7])
        if target is None or target <= 0:
            problems.append(_("the target “%(value)s” is not a number above zero")
                            % {"value": _text(values[7])})
        measure = _text(values[8])
        if not measure:
            problems.append(_("the measure is empty"))
        lead_name = _text(values[9])
        if lead_name and lead_name not in leads:
            problems.append(_("no user “%(value)s”") % {"value": lead_name})
        if code:
            seen.add(code)
        if problems:
            errors.append(RowError(number, "; ".join(problems)))
            continue
        rows.append(_Row(number, code, parent_code, row_unit, title[:200], category, start, due, target,
                         measure[:20], leads.get(lead_name), _text(values[10])))
    return rows


def _check_sums(rows: list[_Row], unit: Unit, errors: list[RowError]) -> None:
    """Children listed in the file must add up to their parent's target (with its existing children)."""
    by_code = {row.code: row for row in rows if row.code}
    sums: dict[str, Decimal] = {}
    for row in rows:
        if row.parent_code:
            sums[row.parent_code] = sums.get(row.parent_code, Decimal(0)) + row.target
    for parent_code, total in sums.items():
        parent_row = by_code.get(parent_code)
        if parent_row is not None:
            target, number = parent_row.target, parent_row.number
        else:
            parent = Task.objects.get(campaign=unit.campaign, code=parent_code)
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
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError:
        return None


def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(_text(value).replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or number >= Decimal("1e10"):
        return None
    return number.quantize(Decimal("0.01"))
