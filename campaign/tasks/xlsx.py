"""The task list (任务清单) as a sheet: the export (XLSX), and an all-or-nothing import (XLSX or
CSV) that reports every bad row, both through campaign.importing."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from campaign.enums import TaskCategory
from campaign.importing import (
    Column,
    Columns,
    ImportFileError,
    ImportResult,
    RowError,
    RowForm,
    SheetDateField,
    check_rows,
    read_rows,
    xlsx_bytes,
)
from campaign.models import Progress, Task, Unit, User
from campaign.tasks.services import TaskError, amount, create_task, task_problems
from campaign.tree import subtree_q

__all__ = ["COLUMNS", "ImportFileError", "ImportResult", "RowError", "export_tasks", "import_tasks"]

# The header-alias table: what the export writes (in the user's language) and the import reads
# (in Chinese or English, in any order).
COLUMNS = Columns(
    Column("code", gettext_lazy("Code"), ("编号", "任务编号"), required=False),
    Column("parent_code", gettext_lazy("Parent code"), ("上级编号",), required=False),
    Column("unit_code", gettext_lazy("Unit code")),
    Column("title", pgettext_lazy("task", "Title"), ("任务名称",)),
    Column("category", gettext_lazy("Category")),
    Column("start", gettext_lazy("Start date")),
    Column("due", gettext_lazy("Due date")),
    Column("target", gettext_lazy("Target")),
    Column("measure", gettext_lazy("Measure")),
    Column("lead", gettext_lazy("Lead (username)"), required=False),
    Column("description", gettext_lazy("Description"), required=False),
)
# Written after the columns; the import ignores them.
FIGURES = [gettext_lazy("Done"), gettext_lazy("Status"), gettext_lazy("Unit")]
# Codes the system gives ("~" and a random key while a task is created, "<unit code>-T<id>"
# after, campaign.tasks.services.create_task): an import may not take them, or a task created
# later would collide with it.
SYSTEM_CODE = re.compile(r"~.*|.*-T[0-9]+")


def export_tasks(tasks: list[Task]) -> bytes:
    """`tasks` come with campaign.tasks.services.attach_progress applied and parents before children."""
    codes: dict[int | None, str] = {task.pk: task.code for task in tasks}
    rows = ((
        task.code, codes.get(task.parent_id) or (task.parent.code if task.parent else ""),
        task.unit.code, task.title, str(task.get_category_display()), task.start, task.due,
        float(task.target), task.measure, task.lead.username if task.lead else "",
        task.description, float(task.done), str(task.status.label), task.unit.name,
    ) for task in tasks)
    return xlsx_bytes(_("Task list"), COLUMNS.labels() + [str(title) for title in FIGURES], rows)


class _Sheet:
    """What the rows of one import know of each other and of the database, filled as the rows
    are checked top to bottom (a child names a parent row above it)."""

    def __init__(self, rows, unit: Unit):
        self.unit = unit
        self.units = {u.code: u for u in Unit.objects.filter(subtree_q([unit.path]), campaign=unit.campaign)}
        self.existing = set(Task.objects.filter(campaign=unit.campaign).values_list("code", flat=True))
        parent_codes = {row.data["parent_code"] for row in rows if row.data.get("parent_code")}
        self.stored_parents = {
            task.code: task for task in Task.objects.filter(
                subtree_q([unit.path], "unit__path"), campaign=unit.campaign, code__in=parent_codes
            ).select_related("unit").annotate(has_reports=Exists(Progress.objects.filter(task=OuterRef("pk"))))
        }
        usernames = {row.data["lead"] for row in rows if row.data.get("lead")}
        self.leads = {user.username: user for user in User.objects.filter(username__in=usernames)}
        self.seen: set[str] = set()
        self.good: dict[str, TaskRowForm] = {}   # rows without a problem, by code
        self.failed: dict[str, int] = {}         # rows with a problem: code → row number


def _text_field(**kwargs) -> forms.CharField:
    return forms.CharField(required=False, strip=True, **kwargs)


class TaskRowForm(RowForm):
    """One row of the task list. Every problem of the row at once: the shape of each cell, then
    the rules a new task must keep (campaign.tasks.services.task_problems), against a parent
    above in the file or in the database."""
    code = _text_field()
    parent_code = _text_field()
    unit_code = _text_field()
    title = _text_field()
    category = _text_field()
    start = SheetDateField(error_messages={"invalid": gettext_lazy(
        "the start date “%(value)s” is not a date (YYYY-MM-DD or YYYY/MM/DD)")})
    due = SheetDateField(error_messages={"invalid": gettext_lazy(
        "the due date “%(value)s” is not a date (YYYY-MM-DD or YYYY/MM/DD)")})
    target = _text_field()
    measure = _text_field()
    lead = _text_field()
    description = _text_field()

    def __init__(self, row, *, sheet: _Sheet):
        super().__init__(row)
        self.sheet = sheet

    def clean_code(self) -> str:
        code, sheet, problems = self.cleaned_data["code"], self.sheet, []
        if code and (code in sheet.existing or code in sheet.seen):
            problems.append(_("the code “%(code)s” is already used") % {"code": code})
        elif code and SYSTEM_CODE.fullmatch(code):
            problems.append(_("the code “%(code)s” has the form the system gives (starting with “~” "
                              "or ending in “-T” and a number): leave the code empty or choose another")
                            % {"code": code})
        if len(code) > 40:
            problems.append(_("the code is longer than %(max)s characters") % {"max": 40})
        if problems:
            raise ValidationError(problems)
        return code

    def clean_parent_code(self) -> str:
        parent_code, sheet = self.cleaned_data["parent_code"], self.sheet
        if parent_code in sheet.failed:
            raise ValidationError(_("the parent row %(row)s failed") % {"row": sheet.failed[parent_code]})
        if parent_code and parent_code not in sheet.good and parent_code not in sheet.stored_parents:
            raise ValidationError(_("no task with the parent code “%(code)s” above this row or under "
                                    "%(unit)s") % {"code": parent_code, "unit": sheet.unit})
        return parent_code

    def clean_unit_code(self) -> Unit:
        code = self.cleaned_data["unit_code"]
        if code not in self.sheet.units:
            raise ValidationError(_("no unit with the code “%(code)s” under %(unit)s")
                                  % {"code": code, "unit": self.sheet.unit})
        return self.sheet.units[code]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        if not title:
            raise ValidationError(_("the title is empty"))
        if len(title) > 200:
            raise ValidationError(_("the title is longer than %(max)s characters") % {"max": 200})
        return title

    def clean_category(self) -> str:
        """A category by its code or by its name in Chinese or English, whatever the page language."""
        text = self.cleaned_data["category"]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for choice in TaskCategory:
                    if text in (choice.value, str(choice.label)):
                        return choice.value
        raise ValidationError(_("unknown category “%(value)s”") % {"value": text})

    def clean_target(self) -> Decimal:
        """The number as written (not rounded: more than 2 decimals is refused)."""
        text = self.cleaned_data["target"]
        try:
            target = Decimal(text.replace(",", ""))
        except InvalidOperation:
            target = None
        if target is None or not target.is_finite() or target >= Decimal("1e10") or target <= 0:
            self.target_as_written = None
            raise ValidationError(_("the target “%(value)s” is not a number above zero") % {"value": text})
        self.target_as_written = target   # the task rules are still checked against it
        if target != target.quantize(Decimal("0.01")):
            raise ValidationError(_("the target “%(value)s” has more than 2 decimals") % {"value": text})
        return target

    def clean_measure(self) -> str:
        measure = self.cleaned_data["measure"]
        if not measure:
            raise ValidationError(_("the measure is empty"))
        if len(measure) > 20:
            raise ValidationError(_("the measure is longer than %(max)s characters") % {"max": 20})
        return measure

    def clean_lead(self) -> User | None:
        name = self.cleaned_data["lead"]
        if name and name not in self.sheet.leads:
            raise ValidationError(_("no user “%(value)s”") % {"value": name})
        return self.sheet.leads.get(name)

    def clean(self):
        data, sheet = self.cleaned_data, self.sheet
        target = getattr(self, "target_as_written", None)
        if target is None or not all(name in data for name in ("unit_code", "start", "due")):
            return data
        parent_code = str(self.data.get("parent_code", "")).strip()
        parent_row = sheet.good.get(parent_code)
        if parent_row is not None:
            row = parent_row.cleaned_data
            parent = Task(unit=row["unit_code"], title=row["title"], start=row["start"], due=row["due"],
                          measure=row["measure"])
            has_reports = False
        else:
            parent = sheet.stored_parents.get(parent_code) if parent_code not in sheet.failed else None
            has_reports = parent.has_reports if parent is not None else None
        if parent is not None or not parent_code:
            # Checked as written: a measure too long or an unknown lead is its own problem, above.
            lead = sheet.leads.get(str(self.data.get("lead", "")).strip())
            problems = task_problems(unit=data["unit_code"], start=data["start"], due=data["due"],
                                     target=target, lead=lead,
                                     measure=str(self.data.get("measure", "")).strip(), parent=parent,
                                     parent_has_reports=has_reports)
            if problems:
                raise ValidationError(problems)
        return data

    def checked(self) -> None:
        code = str(self.data.get("code", "")).strip()
        if not code:
            return
        self.sheet.seen.add(code)
        if self.errors:
            self.sheet.failed[code] = self.row.number
        else:
            self.sheet.good[code] = self


def import_tasks(upload, *, unit: Unit, by: User) -> ImportResult:
    """Create the tasks listed in the sheet under `unit`. Any bad row: nothing is created and
    every bad row is reported with its number and all its problems."""
    rows = read_rows(upload, COLUMNS, what=_("the task list"))
    result = ImportResult()
    sheet = _Sheet(rows, unit)
    good = [form.cleaned_data | {"number": form.row.number}
            for form in check_rows(rows, lambda row: TaskRowForm(row, sheet=sheet), result)]
    _check_sums(rows, good, unit, result)
    if result.errors:
        return result
    with transaction.atomic():
        made: dict[str, Task] = {}
        for row in good:
            parent = made.get(row["parent_code"])
            if parent is None and row["parent_code"]:
                parent = Task.objects.select_related("unit").filter(
                    campaign=unit.campaign, code=row["parent_code"]
                ).first()
                if parent is None:  # its row failed just now
                    result.refuse(row["number"], _("the parent task “%(code)s” was not created")
                                  % {"code": row["parent_code"]})
                    continue
            try:
                task = create_task(
                    unit=row["unit_code"], parent=parent, code=row["code"], title=row["title"],
                    category=row["category"], start=row["start"], due=row["due"], target=row["target"],
                    measure=row["measure"], lead=row["lead"], description=row["description"], by=by,
                )
            except TaskError as error:
                result.refuse(row["number"], str(error))
                continue
            made[task.code] = task
            result.created.append(task)
        if result.errors:
            transaction.set_rollback(True)
            result.created = []
    return result


def _check_sums(rows, good: list[dict], unit: Unit, result: ImportResult) -> None:
    """Children listed in the file must add up to their parent's target (with its existing children)."""
    by_code = {row["code"]: row for row in good if row["code"]}
    sums: dict[str, Decimal] = {}
    for row in good:
        if row["parent_code"]:
            sums[row["parent_code"]] = sums.get(row["parent_code"], Decimal(0)) + row["target"]
    # A sum is told only when every child row was read without a problem (a parent row with a
    # problem fails its children too).
    incomplete = {str(row.data.get("parent_code", "")).strip() for row in rows
                  if row.number in result.failed_rows}
    for parent_code, total in sums.items():
        if parent_code in incomplete:
            continue
        parent_row = by_code.get(parent_code)
        if parent_row is not None:
            target, number = parent_row["target"], parent_row["number"]
        else:
            parent = Task.objects.filter(campaign=unit.campaign, code=parent_code).first()
            if parent is None:
                continue
            existing = sum(parent.children.values_list("target", flat=True), Decimal(0))
            target, number, total = parent.target, None, total + existing
        if total != target:
            where = number or next(row["number"] for row in good if row["parent_code"] == parent_code)
            result.refuse(where, _(
                "the child tasks of “%(code)s” add up to %(total)s but its target is %(target)s"
            ) % {"code": parent_code, "total": amount(total), "target": amount(target)})
