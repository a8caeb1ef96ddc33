"""The campaign office's side of citizen reports (随手拍): the triage list, and a report's page
with its possible duplicates, where it is filed as an item, merged or rejected."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign import paging
from campaign.calendar import calendar_warnings
from campaign.http import is_id
from campaign.models import Criterion
from campaign.permissions import managed_units, office_campaigns, visible_points
from inspections import forms, permissions, services, triage, workflow
from inspections.enums import CitizenReportStatus
from inspections.filters import CitizenReportFilter

# The list's order: the reports waiting for triage oldest first (the longest waiting on top);
# any other list newest first. `?order=oldest|newest` overrides.
ORDERS = ("oldest", "newest")
SORT_FIELDS = ("created_at", "id")


def _descending(request, status: str) -> bool:
    order = request.GET.get("order", "")
    if order in ORDERS:
        return order == "newest"
    return status != CitizenReportStatus.NEW


def report_list(request):
    if not permissions.can_triage_reports(request.user):
        raise PermissionDenied
    reports = permissions.visible_citizen_reports(request.user).select_related("category", "item")
    filterset = CitizenReportFilter(request.GET, queryset=reports,
                                    campaigns=office_campaigns(request.user))
    if filterset.unknown_status:
        messages.warning(request, _("No such status: the reports waiting for triage are shown."))
    if not filterset.form.is_valid():
        for field, errors in filterset.form.errors.items():
            label = filterset.form.fields[field].label if field in filterset.form.fields else ""
            messages.warning(request, _("%(label)s: %(errors)s (left out)")
                             % {"label": label, "errors": " ".join(errors)})
    status = filterset.shown_status()
    descending = _descending(request, status)
    size = paging.per_page(request.GET.get("per_page"))
    page = paging.keyset_page(filterset.qs, fields=SORT_FIELDS, descending=descending,
                              cursor=request.GET.get("after", "")[:80], size=size)
    keep = {name: value for name, value in request.GET.items() if name != "after"}
    keep.setdefault("status", status)
    order_links = {order: "?" + urlencode({**keep, "order": order}) for order in ORDERS}
    return render(request, "inspections/report_list.html", {
        "filter": filterset, "reports": page.rows, "status": status, "descending": descending,
        "order_links": order_links, "per_page": size, "per_page_choices": paging.PER_PAGE_CHOICES,
        "next_url": "?" + urlencode({**keep, "after": page.next_cursor}) if page.next_cursor else None,
        "first_url": "?" + urlencode(keep) if page.position else None,
    })


def _picked_point(request, points):
    """The point chosen on the form (or in ?point=): duplicates are looked for there too."""
    raw = (request.POST.get("point") or request.GET.get("point") or "")[:12]
    return points.filter(pk=int(raw)).first() if is_id(raw) else None


def _attach(request, report):
    """The item chosen to merge into: one of the same campaign in the coordinator's scope
    (anything else is not found)."""
    raw = request.POST.get("attach", "")[:12]
    if not is_id(raw):
        raise Http404
    return get_object_or_404(permissions.visible_rectifications(request.user).filter(
        campaign_id=report.campaign_id), pk=int(raw))


def _merged_message(request, merged: triage.Merged) -> None:
    messages.success(request, ngettext(
        "%(count)d report now follows item %(code)s.",
        "%(count)d reports now follow item %(code)s.", len(merged.reports),
    ) % {"count": len(merged.reports), "code": merged.item.code})


def report_detail(request, pk: int):
    # Only the office sees reports at all, so for anyone else every report is out of scope: 404.
    report = get_object_or_404(permissions.visible_citizen_reports(request.user).select_related(
        "campaign", "category", "item", "item__point"), pk=pk)
    units = managed_units(request.user).filter(campaign_id=report.campaign_id).order_by("path")
    points = visible_points(request.user).filter(
        campaign_id=report.campaign_id, is_active=True).select_related("unit").order_by("code")
    criteria = Criterion.objects.in_force().filter(category__standard__campaign_id=report.campaign_id)
    posted = request.method == "POST"
    form = forms.TriageForm(request.POST if posted else None, units=units, points=points,
                            criteria=criteria,
                            standalone_deadline=services.default_deadline(
                                None, timezone.now(), report.campaign),
                            campaign=report.campaign, rejecting=posted and "reject" in request.POST,
                            initial={"title": report.description[:60]})
    others = triage.reports_to_merge(report, request.POST.getlist("merge")) if posted else []
    if posted and "attach" in request.POST:
        item = _attach(request, report)
        try:
            merged = triage.attach_to_item(report, others, item, by=request.user)
        except (services.InspectionError, workflow.TransitionError) as error:
            messages.error(request, str(error))
            return redirect("inspections:report-detail", report.pk)
        else:
            _merged_message(request, merged)
            return redirect(merged.item)
    elif posted and form.is_valid():
        data = form.cleaned_data
        try:
            if form.rejecting:
                services.reject_report(report, reason=data["reason"], by=request.user)
                messages.success(request, _("Report rejected."))
                return redirect("inspections:report-list")
            if not (data["unit"] and data["title"]):
                # Said by the field missing, so the coordinator sees where to fill in.
                if not data["unit"]:
                    form.add_error("unit", _("Choose the unit that is to fix the problem."))
                if not data["title"]:
                    form.add_error("title", _("Give the item a title."))
                raise services.InspectionError(_("Choose a unit and a title."))
            merged = triage.merge_into_new_item(
                report, others, unit=data["unit"], title=data["title"], deadline=data["deadline"],
                by=request.user, point=data["point"], criterion=data["criterion"],
                period=form.period)
        except (services.InspectionError, workflow.TransitionError) as error:
            if not form.errors:
                form.add_error(None, str(error))
        else:
            messages.success(request, _("Item %(code)s filed.") % {"code": merged.item.code})
            if len(merged.reports) > 1:
                _merged_message(request, merged)
            return redirect(merged.item)
    is_new = report.status == CitizenReportStatus.NEW
    picked = _picked_point(request, points)
    duplicates = triage.possible_duplicates(report, picked)
    chosen = {other.pk for other in others}
    return render(request, "inspections/report_detail.html", {
        "report": report, "form": form, "photos": report.photos.all(), "open": is_new,
        "duplicates": duplicates, "chosen": chosen, "picked": picked,
        "mergeable": workflow.MERGEABLE,
        "duplicate_radius": triage.DUPLICATE_RADIUS_M, "duplicate_days": triage.DUPLICATE_DAYS,
        "open_items": triage.open_items_at(
            report, permissions.visible_rectifications(request.user), picked) if is_new else [],
        "calendar_warnings": calendar_warnings([report.campaign], timezone.now(), request.user),
    })
