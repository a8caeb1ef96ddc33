"""The coordinator's registers: the evaluation standard (categories → criteria) and the points
(点位), with XLSX/CSV import and export of points."""


from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from campaign.calendar import calendar_warnings
from campaign.http import is_id
from campaign.importing import ImportFileError
from campaign.models import Campaign, Category, Criterion, Standard
from campaign.permissions import managed_campaigns, managed_units, visible_points
from campaign.routers import reads_replica
from inspections import forms, permissions, points
from inspections.permissions import can_edit_standard, visible_standards


def standard_list(request):
    standards = visible_standards(request.user).select_related("campaign")
    return render(request, "inspections/standard_list.html", {"standards": standards})


def standard_detail(request, pk: int):
    standard = get_object_or_404(visible_standards(request.user).select_related("campaign"), pk=pk)
    categories = standard.categories.prefetch_related("criteria")
    return render(request, "inspections/standard_detail.html", {
        "standard": standard, "categories": categories,
        "units": standard.units.order_by("path"),
        "can_edit": can_edit_standard(request.user, standard),
    })


def standard_units(request, pk: int):
    """Bind the standard to units: it applies to the points of their subtrees."""
    standard = get_object_or_404(visible_standards(request.user), pk=pk)
    units = managed_units(request.user).filter(campaign_id=standard.campaign_id).order_by("path")
    # Choosing no unit posts no field at all: bind on POST, whatever it holds.
    data = request.POST if request.method == "POST" else None
    form = forms.StandardUnitsForm(data, instance=standard, units=units)
    # The name carries its own quotes (“九乱”专项整治…): the title adds none.
    return _edit(request, standard=standard, form=form,
                 title=_("Where it applies: %(standard)s") % {"standard": standard},
                 template="inspections/standard_units.html")


def _edit(request, *, standard: Standard, form, title: str,
          template: str = "inspections/register_form.html", warn_calendar: bool = False):
    if not can_edit_standard(request.user, standard):
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("inspections:standard-detail", pk=standard.pk)
    return render(request, template, {
        "form": form, "title": title, "back": reverse("inspections:standard-detail", args=[standard.pk]),
        "calendar_warnings": (calendar_warnings([standard.campaign], timezone.now(), request.user)
                              if warn_calendar else []),
    })


def category_edit(request, standard_pk: int, pk: int | None = None):
    standard = get_object_or_404(visible_standards(request.user), pk=standard_pk)
    category = get_object_or_404(standard.categories, pk=pk) if pk else Category(standard=standard)
    form = forms.CategoryForm(request.POST or None, instance=category)
    return _edit(request, standard=standard, form=form,
                 title=_("Category") if pk else _("New category"))


def criterion_edit(request, standard_pk: int, pk: int | None = None):
    standard = get_object_or_404(visible_standards(request.user).select_related("campaign"),
                                 pk=standard_pk)
    criterion = (get_object_or_404(Criterion, category__standard=standard, pk=pk) if pk
                 else Criterion())
    form = forms.CriterionForm(request.POST or None, instance=criterion,
                               categories=standard.categories.all())
    return _edit(request, standard=standard, form=form, warn_calendar=True,
                 title=_("Criterion") if pk else _("New criterion"))


def point_edit(request, pk: int | None = None):
    units = managed_units(request.user).order_by("path")
    if pk:
        point = get_object_or_404(visible_points(request.user).select_related("unit"), pk=pk)
        if not permissions.can_edit_point(request.user, point):
            raise PermissionDenied
    else:
        if not units.exists():
            raise PermissionDenied
        point = None
    form = forms.PointForm(request.POST or None, instance=point, units=units)
    if request.method == "POST" and form.is_valid():
        point = form.save(commit=False)
        point.campaign = point.unit.campaign
        point.save()
        messages.success(request, _("Point %(code)s saved.") % {"code": point.code})
        return redirect("inspections:point-list")
    return render(request, "inspections/register_form.html", {
        "form": form, "title": _("Point") if pk else _("New point"),
        "back": reverse("inspections:point-list"),
    })


def _chosen_campaign(request) -> Campaign:
    """The managed campaign named by `?campaign=` (by default the first): 404 for a malformed
    id, 403 for someone who manages none."""
    campaigns = managed_campaigns(request.user)
    value = request.GET.get("campaign") or request.POST.get("campaign") or ""
    if value and not is_id(value):
        raise Http404
    campaign = campaigns.filter(pk=int(value)).first() if value else campaigns.first()
    if campaign is None:
        raise PermissionDenied
    return campaign


@require_GET
@reads_replica
def points_export(request, fmt: str):
    campaign = _chosen_campaign(request)
    content = points.export_points(visible_points(request.user).filter(campaign=campaign), fmt)
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "csv":
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="points-{stamp}.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
def points_import(request):
    campaign = _chosen_campaign(request)
    form = forms.PointImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = points.import_points(campaign, form.cleaned_data["file"], by=request.user)
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            if not result.errors:
                messages.success(request, _("%(created)s points created, %(updated)s updated.")
                                 % {"created": len(result.created), "updated": len(result.updated)})
                return redirect("inspections:point-list")
            messages.error(request, _("No point was imported: correct the rows below and "
                                      "send the file again."))
    return render(request, "inspections/points_import.html", {
        "form": form, "result": result, "campaign": campaign,
        "columns": points.COLUMNS.labels(),
    }, status=400 if result and result.errors else 200)
