"""Inspection rounds (旬督查) and visits (明查/暗访) with their findings."""


from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.calendar import calendar_warnings
from campaign.http import is_id
from campaign.offline.idempotency import idempotent
from campaign.periods import Month
from campaign.permissions import visible_points
from campaign.photos import PhotoError
from inspections import forms, permissions, services, workflow
from inspections.enums import PENDING, RectificationStatus, RoundKind
from inspections.filters import clean_query, points_matching

# Rows a point's page lists: its open items and its latest visits.
POINT_PAGE_ROWS = 50


def round_list(request):
    # Mock evaluations have their own list (inspections.mock).
    rounds = (permissions.visible_rounds(request.user).filter(kind=RoundKind.ORDINARY)
              .select_related("unit", "created_by")[:200])
    return render(request, "inspections/round_list.html", {
        "rounds": rounds,
        "can_plan": permissions.can_inspect_somewhere(request.user),
        "today": timezone.localdate(),
    })


def round_create(request):
    units = permissions.inspecting_units(request.user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    form = forms.RoundForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.plan_round(
                unit=data["unit"], name=data["name"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], sample_size=data["sample_size"], seed=data["seed"],
                by=request.user,
            )
        except services.InspectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Round planned: %(count)s points drawn with seed "
                                        "%(seed)s.") % {"count": round_.points.count(),
                                                        "seed": round_.seed})
            return redirect("inspections:round-detail", pk=round_.pk)
    return render(request, "inspections/round_form.html", {"form": form})


def round_detail(request, pk: int):
    round_ = get_object_or_404(permissions.visible_rounds(request.user).select_related("unit"),
                               pk=pk)
    if round_.kind == RoundKind.MOCK:
        # A mock's sample is read on its report, by those who may read it (the units it checks
        # may not, even once it has ended).
        return redirect("inspections:mock-detail", pk=round_.pk)
    points = round_.points.select_related("unit").order_by("unit__path", "kind", "code")
    visited = set(round_.inspections.values_list("point_id", flat=True))
    return render(request, "inspections/round_detail.html", {
        "round": round_, "points": points, "visited": visited,
        "can_inspect": permissions.can_inspect(request.user, round_.unit),
    })


def _visit_round(request, point):
    """The round named by `?round=`: one the person sees, of the point's campaign, not yet
    ended, whose sample holds the point; anything else is not found."""
    value = request.GET.get("round", "")
    if not value:
        return None
    if not is_id(value):
        raise Http404
    return get_object_or_404(
        permissions.visible_rounds(request.user).filter(
            campaign_id=point.campaign_id, ends_on__gte=timezone.localdate(), points=point),
        pk=int(value),
    )


def _photo_error_on_its_field(error: PhotoError, candidates: list) -> None:
    """A photo the service refused, as an error of the photos field that sent it (the error
    summary then links to that file input, and the error is read with it); else as an error of
    the whole form."""
    message = str(error)
    for candidate in candidates:
        uploads = (candidate.cleaned_data or {}).get("photos") or []
        if any(upload is error.upload for upload in uploads):
            candidate.add_error("photos", message)
            return
    candidates[0].add_error(None, message)


@idempotent
def visit_create(request, point_pk: int):
    """Record a visit to a point, on a phone in the street: findings with photos, each filing an
    item for the point's responsible unit."""
    point = get_object_or_404(visible_points(request.user).select_related("unit", "campaign"),
                              pk=point_pk)
    if not permissions.can_inspect(request.user, point.unit):
        raise PermissionDenied
    round_ = _visit_round(request, point)
    criteria = services.applicable_criteria(point)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = forms.VisitForm(data, files, initial={
        "visited_at": timezone.localtime().replace(second=0, microsecond=0)})
    mock = round_ is not None and round_.kind == RoundKind.MOCK
    findings = forms.FindingFormSet(data, files, prefix="finding",
                                    form_kwargs={"criteria": criteria, "mock": mock})
    if request.method == "POST" and form.is_valid() and findings.is_valid():
        try:
            inspection = services.record_visit(
                point=point, by=request.user, mode=form.cleaned_data["mode"],
                visited_at=form.cleaned_data["visited_at"], note=form.cleaned_data["note"],
                uploads=form.cleaned_data["photos"], round=round_,
                latitude=form.cleaned_data["latitude"], longitude=form.cleaned_data["longitude"],
                findings=[
                    services.FindingInput(
                        criterion=row["criterion"], note=row["note"],
                        deadline=row["deadline"], uploads=row["photos"],
                        file_item=row.get("file_item", True),
                    )
                    for row in findings.cleaned_data if row.get("criterion")
                ],
            )
        except PhotoError as error:
            _photo_error_on_its_field(error, [form, *findings.forms])
        except (services.InspectionError, workflow.TransitionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Visit recorded with %(count)s findings.") % {
                "count": inspection.findings.count()})
            return redirect("inspections:inspection-detail", pk=inspection.pk)
    return render(request, "inspections/visit_form.html", {
        "point": point, "form": form, "findings": findings, "round": round_,
        "criteria": criteria,
        "calendar_warnings": calendar_warnings([point.campaign], timezone.now(), request.user),
    })


def inspection_detail(request, pk: int):
    inspection = get_object_or_404(
        permissions.visible_inspections(request.user).select_related(
            "point", "unit", "inspector", "round"),
        pk=pk,
    )
    findings = inspection.findings.select_related(
        "criterion", "criterion__category", "rectification").prefetch_related("photos")
    return render(request, "inspections/inspection_detail.html", {
        "inspection": inspection, "findings": findings, "photos": inspection.photos.all(),
    })


def point_list(request):
    """Points to visit: the inspector's starting place in the street."""
    points = visible_points(request.user).filter(is_active=True).select_related("unit")
    query = clean_query(request.GET.get("q"))
    if query:
        points = points_matching(points, query)
    return render(request, "inspections/point_list.html", {
        "points": points.order_by("code")[:200], "q": query,
        "can_inspect": permissions.can_inspect_somewhere(request.user),
        "can_manage": permissions.can_manage_points(request.user),
    })


@require_GET
def point_detail(request, pk: int):
    """A point's page (the map's click-through): its facts, open items and latest visits, each
    through its own visibility query."""
    point = get_object_or_404(visible_points(request.user).select_related("unit"), pk=pk)
    items = (permissions.visible_rectifications(request.user)
             .filter(point=point, status__in=(*PENDING, RectificationStatus.SUBMITTED))
             .select_related("unit").order_by("deadline", "pk")[:POINT_PAGE_ROWS])
    visits = (permissions.visible_inspections(request.user).filter(point=point)
              .select_related("inspector").order_by("-visited_at", "-pk")[:POINT_PAGE_ROWS])
    return render(request, "inspections/point_detail.html", {
        "point": point, "items": items, "visits": visits,
        "can_inspect": permissions.can_inspect(request.user, point.unit),
        "can_edit": permissions.can_edit_point(request.user, point),
    })


# Rows a month of one's own visits lists (an inspector makes a few hundred at most).
MY_VISITS_ROWS = 500


@require_GET
def my_visits(request):
    """The visits the person made in a month (default: this one), newest first: where the home
    page's "my visits this month" leads. Only one's own visits, so nothing out of scope."""
    asked = request.GET.get("month", "")
    month = Month.parse(asked) if asked else None
    if asked and month is None:
        messages.warning(request, _("“%(value)s” is not a month (YYYY-MM): showing the current "
                                    "month.")
                         % {"value": asked[:20]})
    month = month or Month.of(timezone.localdate())
    start, end = month.bounds(str(timezone.get_current_timezone()))
    visits = (permissions.own_visits(request.user, start, end)
              .select_related("point", "unit", "round").order_by("-visited_at", "-pk"))
    rows = list(visits[:MY_VISITS_ROWS + 1])
    return render(request, "inspections/my_visits.html", {
        "month": month, "visits": rows[:MY_VISITS_ROWS], "more": len(rows) > MY_VISITS_ROWS,
        "previous": month.previous(), "next": month.next(), "limit": MY_VISITS_ROWS,
    })
