"""Mock evaluation pages: the list, the start form, the report (with the sample's progress and
the visit links) and its XLSX and .docx exports."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.spreadsheets import XLSX_CONTENT_TYPE
from inspections import permissions
from inspections.mock import export
from inspections.mock.forms import MockEvaluationForm
from inspections.mock.report import DEFINITIONS, build_report
from inspections.mock.services import start_mock_evaluation
from inspections.services import InspectionError

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Mock evaluations listed (a campaign holds a few a year).
LIST_ROWS = 200


@require_GET
def mock_list(request):
    # Points drawn, not the size asked for: a subtree with fewer points draws them all.
    mocks = (permissions.readable_mock_evaluations(request.user).with_progress()
             .select_related("unit").order_by("-starts_on", "-pk")[:LIST_ROWS])
    return render(request, "inspections/mock/mock_list.html", {
        "mocks": mocks,
        "can_start": permissions.mock_evaluation_units(request.user).exists(),
    })


def mock_create(request):
    units = permissions.mock_evaluation_units(request.user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    form = MockEvaluationForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mock = start_mock_evaluation(
                unit=data["unit"], name=data["name"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], sample_size=data["sample_size"], by=request.user)
        except InspectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Mock evaluation started: %(count)s points drawn.")
                             % {"count": mock.points.count()})
            return redirect("inspections:mock-detail", pk=mock.pk)
    return render(request, "inspections/mock/mock_form.html", {"form": form})


def _readable_mock(request, pk: int):
    mock = get_object_or_404(
        permissions.visible_mock_evaluations(request.user).select_related("unit", "campaign"),
        pk=pk)
    if not permissions.can_read_mock_evaluation(request.user, mock):
        raise PermissionDenied
    return mock


@require_GET
def mock_detail(request, pk: int):
    mock = _readable_mock(request, pk)
    report = build_report(mock)
    points = mock.points.select_related("unit").order_by("kind", "unit__path", "code")
    visited = set(mock.inspections.values_list("point_id", flat=True))
    return render(request, "inspections/mock/mock_detail.html", {
        "mock": mock, "report": report, "points": points, "visited": visited,
        "definitions": DEFINITIONS,
        # Visits are recorded during the mock's period only (services.record_visit).
        "can_inspect": (mock.starts_on <= timezone.localdate() <= mock.ends_on
                        and permissions.can_inspect(request.user, mock.unit)),
    })


@require_GET
def mock_export(request, pk: int, fmt: str):
    mock = _readable_mock(request, pk)
    report = build_report(mock)
    if fmt == "xlsx":
        body, content_type = export.mock_xlsx(report), XLSX_CONTENT_TYPE
    else:
        body = export.mock_docx(report, definitions=DEFINITIONS, date=timezone.localdate())
        content_type = DOCX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mock-{mock.pk}.{fmt}"'
    return response
