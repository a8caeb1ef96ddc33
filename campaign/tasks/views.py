"""Views of campaign tasks: the battle map (作战挂图), a task's page, creating, splitting,
reporting progress, the task list as XLSX, and the leader's own tasks.

Each view: scope (visible_* → 404) → predicate (can_* → 403) → form → one service call →
message → redirect."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from campaign.calendar import calendar_warnings
from campaign.http import int_param, is_id, photo_response
from campaign.models import Campaign, Progress, User
from campaign.offline.idempotency import idempotent
from campaign.permissions import managed_units, visible_units
from campaign.photos import PhotoError
from campaign.routers import reads_replica
from campaign.tables import PAGINATION
from campaign.tasks.filters import TaskFilter
from campaign.tasks.forms import ImportForm, ProgressForm, TaskForm, split_formset
from campaign.tasks.permissions import (
    can_correct_progress,
    can_create_task,
    can_import_tasks,
    can_manage_task,
    can_report_progress,
    can_split_task,
    leaders_over,
    visible_progress,
    visible_task_photos,
    visible_tasks,
)
from campaign.tasks.services import (
    STATUS_ORDER,
    ChildSpec,
    SplitError,
    TaskError,
    attach_progress,
    due_counted,
    split_task,
)
from campaign.tasks.services import create_task as create_task_service
from campaign.tasks.services import report_progress as report_progress_service
from campaign.tasks.tables import TaskBoardTable
from campaign.tasks.xlsx import ImportFileError, export_tasks, import_tasks
from campaign.tree import ancestor_ids, subtree_q

REPORTS_PER_PAGE = 100


def _filterset(request, data) -> TaskFilter:
    user = request.user
    units = visible_units(user).order_by("path")
    leaders = User.objects.filter(pk__in=visible_tasks(user).filter(lead__isnull=False).values("lead"))
    return TaskFilter(data, queryset=visible_tasks(user), units=units, leaders=leaders)


def _board(request):
    """The filtered tasks of the board (and of its export), with progress attached. Filters that
    cannot be read are left out with a message on the board (the export refuses them first)."""
    data = request.GET.copy()
    filterset = _filterset(request, data)
    if not filterset.is_valid():
        labels = ", ".join(
            str(filterset.filters[name].label) for name in filterset.errors if name in filterset.filters
        )
        messages.warning(request, _("Some filters were not understood and were left out: %(names)s.")
                         % {"names": labels})
        for name in filterset.errors:
            data.pop(name, None)
        filterset = _filterset(request, data)
        filterset.is_valid()
    unit = filterset.form.cleaned_data.get("unit")
    within = visible_tasks(request.user)
    if unit:
        within = within.filter(subtree_q([unit.path], "unit__path"))
    tasks = list(filterset.qs.select_related("unit", "lead", "parent").order_by("path"))
    attach_progress(tasks, within=within)
    counts = {status: 0 for status in STATUS_ORDER}
    for task in tasks:
        counts[task.status] += 1
    status = filterset.form.cleaned_data.get("status")
    if status:
        tasks = [task for task in tasks if task.status == status]
    top = min((task.depth for task in tasks), default=0)
    for task in tasks:
        task.level = task.depth - top
    return filterset, tasks, counts, unit


def _board_page(request, *, status: int = 200):
    filterset, tasks, counts, unit = _board(request)
    table = TaskBoardTable(tasks)
    RequestConfig(request, paginate=PAGINATION).configure(table)
    return render(request, "campaign/task_board.html", {
        "filter": filterset, "table": table, "tasks_total": len(tasks), "unit": unit,
        "status_counts": [(status, counts[status]) for status in STATUS_ORDER],
        "can_create": managed_units(request.user).exists(),
        "export_query": request.GET.urlencode(),
    }, status=status)


@require_GET
def task_board(request):
    return _board_page(request)


@require_GET
@reads_replica
def task_export(request):
    """The board's tasks as XLSX, with the board's filters. A filter that cannot be read (a unit
    out of scope, a status that does not exist) must not widen the export to every task in
    scope: the board shows the errors instead (400), as the ledger's export does."""
    if not _filterset(request, request.GET).is_valid():
        messages.error(request, _("Nothing was exported: correct the filters first."))
        return _board_page(request, status=400)
    _filter, tasks, _counts, _unit = _board(request)
    response = HttpResponse(
        export_tasks(tasks),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="tasks-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@require_GET
def task_mine(request):
    """The tasks the user leads, worst first: overdue, behind, on track, done; then by due date."""
    user = request.user
    tasks = list(visible_tasks(user).filter(lead=user).select_related("unit", "lead"))
    attach_progress(tasks, within=visible_tasks(user))
    tasks.sort(key=lambda task: (STATUS_ORDER.index(task.status), task.due, task.path))
    for task in tasks:
        task.level = 0
    table = TaskBoardTable(tasks)
    RequestConfig(request, paginate=PAGINATION).configure(table)
    return render(request, "campaign/task_mine.html", {"table": table, "tasks_total": len(tasks)})


@require_GET
def task_detail(request, pk: int):
    user = request.user
    task = get_object_or_404(
        visible_tasks(user).select_related("unit", "lead", "campaign", "parent"), pk=pk
    )
    subtree = visible_tasks(user).filter(subtree_q([task.path]))
    # In path order, as on the board.
    children = list(subtree.filter(parent=task).select_related("unit", "lead").order_by("path"))
    attach_progress([task, *children], within=subtree)
    ancestors = visible_tasks(user).filter(pk__in=ancestor_ids(task.path))
    split_tasks = set(subtree.filter(children__isnull=False).values_list("pk", flat=True))
    reports = (
        visible_progress(user).filter(subtree_q([task.path], "task__path"))
        .select_related("task", "task__unit", "reported_by", "corrects")
        .prefetch_related("photos")
        .annotate(is_corrected=Exists(Progress.objects.filter(corrects=OuterRef("pk"))))
        .order_by("-reported_at", "-pk")
    )
    # get_page turns a bad or too large ?page= into the first or last page.
    reports_page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    for report in reports_page:
        # Spares can_correct_progress a query per report.
        report.task.child_count = 1 if report.task_id in split_tasks else 0
        report.can_correct = can_correct_progress(user, report)  # type: ignore[attr-defined]  # for the template
    return render(request, "campaign/task_detail.html", {
        "task": task, "children": children, "ancestors": ancestors.order_by("path"),
        "reports": reports_page,
        "can_split": can_split_task(user, task), "can_report": can_report_progress(user, task),
        "can_manage": can_manage_task(user, task), "due_counted": due_counted(task),
    })


@require_http_methods(["GET", "POST"])
def task_create(request):
    user = request.user
    units = managed_units(user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    initial = {}
    unit_value = request.GET.get("unit", "")
    if is_id(unit_value):
        unit = units.filter(pk=int(unit_value)).first()
        if unit is not None and can_create_task(user, unit):
            initial["unit"] = unit
    form = TaskForm(request.POST or None, initial=initial, units=units, leaders=leaders_over(units))
    if request.method == "POST" and form.is_valid():
        try:
            task = create_task_service(**form.cleaned_data, by=user)
        except TaskError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Task “%(task)s” created.") % {"task": task})
            return redirect(task)
    campaigns = Campaign.objects.filter(pk__in=units.values("campaign_id"))
    return render(request, "campaign/task_form.html", {
        "form": form, "calendar_warnings": calendar_warnings(campaigns, timezone.now(), user)})


@require_http_methods(["GET", "POST"])
def task_split(request, pk: int):
    user = request.user
    task = get_object_or_404(visible_tasks(user).select_related("unit", "campaign"), pk=pk)
    if not can_manage_task(user, task):
        raise PermissionDenied
    if not can_split_task(user, task):
        messages.error(request, _("This task cannot be split now: it has progress reports (progress "
                                  "is reported on tasks that are not split), or its child tasks "
                                  "already add up to its target."))
        return redirect(task)
    units = (
        visible_units(user).filter(subtree_q([task.unit.path])).exclude(pk=task.unit_id).order_by("path")
    )
    leaders = leaders_over(units)
    rows = int_param(request, "rows", default=2, low=1, high=30)
    data = request.POST or None
    adding_row = request.method == "POST" and "add_row" in request.POST
    if adding_row:
        # "One more row" re-shows what was typed with one more empty row, checking nothing yet.
        data = request.POST.copy()
        total = data.get("form-TOTAL_FORMS", "")
        data["form-TOTAL_FORMS"] = str(min(int(total) + 1, 30) if is_id(total) else rows)
    formset = split_formset(rows)(data, form_kwargs={"units": units, "leaders": leaders})
    split_error = ""
    if request.method == "POST" and not adding_row and formset.is_valid():
        filled = [form for form in formset.forms if form.has_changed() and form.cleaned_data]
        specs = [
            ChildSpec(unit=form.cleaned_data["unit"], target=form.cleaned_data["target"],
                      title=form.cleaned_data["title"], due=form.cleaned_data["due"],
                      lead=form.cleaned_data["lead"])
            for form in filled
        ]
        try:
            children = split_task(task, specs, by=user)
        except SplitError as error:
            for index, problems in error.rows.items():
                filled[index].add_error(None, " ".join(problems))
            split_error = str(error)
        except TaskError as error:
            split_error = str(error)
        else:
            messages.success(request, ngettext(
                "“%(task)s” split into %(count)s child task.", "“%(task)s” split into %(count)s child tasks.",
                len(children),
            ) % {"task": task, "count": len(children)})
            return redirect(task)
    existing = list(task.children.select_related("unit"))
    return render(request, "campaign/task_split.html", {
        "task": task, "formset": formset, "split_error": split_error, "existing": existing,
        "existing_total": sum((child.target for child in existing), Decimal(0)),
        "rows": rows, "adding_row": adding_row,
    })


@require_http_methods(["GET", "POST"])
@idempotent
def task_report(request, pk: int):
    user = request.user
    task = get_object_or_404(visible_tasks(user).select_related("unit", "campaign"), pk=pk)
    corrects = None
    corrects_value = request.GET.get("corrects", "")
    if corrects_value:
        if not is_id(corrects_value):
            messages.warning(request, _("“%(value)s” is not a report number: this is a new report.")
                             % {"value": corrects_value[:20]})
        else:
            corrects = get_object_or_404(task.reports.select_related("task", "task__unit"),
                                         pk=int(corrects_value))
    if not can_report_progress(user, task):
        raise PermissionDenied
    if corrects is not None and not can_correct_progress(user, corrects):
        # The one reason left: someone corrected it already. Say so instead of a bare 403.
        refusal = _("That report has already been corrected; correct the latest report instead.")
        if request.method == "POST":
            # A refusal, not a redirect: a redirect reads as "received" to the offline queue
            # (and to the idempotency receipt), which would count this send as filed. The
            # page answers 409 with the reason and what was typed, like a stale item step.
            form = ProgressForm(request.POST)
            return render(request, "campaign/task_report.html",
                          {"task": task, "form": form, "corrects": corrects, "refusal": refusal},
                          status=409)
        messages.error(request, refusal)
        return redirect(task)
    form = ProgressForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report_progress_service(
                task, quantity=data["quantity"], reported_on=data["reported_on"], note=data["note"],
                over_target_reason=data["over_target_reason"], uploads=data["photos"],
                corrects=corrects, by=user,
            )
        except TaskError as error:
            form.add_error(None, str(error))
        except PhotoError as error:
            form.add_error("photos", _("%(error)s Nothing was saved: choose the photos again; the rest "
                                       "of what you typed is kept.") % {"error": error})
        else:
            messages.success(request, _("Progress reported on “%(task)s”.") % {"task": task})
            return redirect(task)
    return render(request, "campaign/task_report.html", {"task": task, "form": form, "corrects": corrects})


@require_http_methods(["GET", "POST"])
def task_import(request):
    user = request.user
    units = managed_units(user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, units=units)
    result = None
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        if not can_import_tasks(user, unit):
            raise PermissionDenied
        try:
            result = import_tasks(form.cleaned_data["file"], unit=unit, by=user)
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            if not result.errors:
                count = len(result.created)
                messages.success(request, ngettext(
                    "%(count)s task imported under %(unit)s.", "%(count)s tasks imported under %(unit)s.",
                    count,
                ) % {"count": count, "unit": unit})
                return redirect(f"{reverse('task-board')}?unit={unit.pk}")
            messages.error(request, _("Nothing was imported: correct the rows below and send the file "
                                      "again."))
    return render(request, "campaign/task_import.html", {"form": form, "result": result})


@require_GET
def task_photo(request, pk: int, thumb: bool = False):
    photo = get_object_or_404(visible_task_photos(request.user), pk=pk)
    return photo_response(photo, thumb=thumb)


