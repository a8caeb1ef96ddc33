"""Citizen reports (随手拍): a public form and tracking page, and the coordinator's triage."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.calendar import calendar_warnings
from campaign.clientip import throttle_address
from campaign.http import photo_response
from campaign.models import Campaign, Criterion
from campaign.permissions import managed_units, visible_points
from campaign.photos import PhotoError
from inspections import forms, permissions, services, workflow
from inspections.enums import CitizenReportStatus, EventAction, RectificationStatus
from inspections.models import CitizenReport, RectificationEvent

logger = logging.getLogger(__name__)

# Reports one address may send in an hour (a fixed window counted in the "counters" cache, which
# every app server shares when REDIS_URL is set).
REPORTS_PER_HOUR = 10
# Where reports are counted while the shared cache fails: in this process, so the limit holds per
# app server process (looser, never absent) and a citizen can still report.
_local_counts = LocMemCache("report-rate", {})


def _public_campaign(request) -> Campaign:
    key = request.GET.get("campaign", "")[:60]
    campaigns = Campaign.objects.order_by("start", "pk")
    campaign = campaigns.filter(key=key).first() if key else campaigns.first()
    if campaign is None:
        raise Http404
    return campaign


def _over_rate_limit(request) -> bool:
    """Count this report against the sender's address (an IPv6 sender's /64); True once the
    hour's quota is used."""
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"report-rate:{throttle_address(request)}:{hour}"
    try:
        count = _count(caches["counters"], key)
    except Exception:  # noqa: BLE001 - any failure of the cache server: count here instead
        logger.warning("shared cache unavailable: citizen reports counted per process",
                       exc_info=True)
        count = _count(_local_counts, key)
    return count > REPORTS_PER_HOUR


def _count(cache: BaseCache, key: str) -> int:
    # add + incr: atomic in Redis, so two app servers never lose a count.
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key)
    except ValueError:     # the entry expired between add and incr
        cache.set(key, 1, timeout=3600)
        return 1


@login_not_required
def report_create(request):
    campaign = _public_campaign(request)
    if request.method == "POST" and _over_rate_limit(request):
        form = forms.CitizenReportForm(request.POST, request.FILES)
        form.is_valid()    # shows the typed text back; nothing is stored
        form.errors.clear()
        form.add_error(None, _("Too many reports from this address: please try again in an "
                               "hour."))
        return render(request, "inspections/report_form.html",
                      {"form": form, "campaign": campaign}, status=429)
    form = forms.CitizenReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_problem(
                campaign=campaign, description=data["description"], location=data["location"],
                contact=data["contact"], uploads=data["photos"],
                latitude=data["latitude"], longitude=data["longitude"],
            )
        except (PhotoError, services.InspectionError) as error:
            form.add_error("photos", str(error))
        else:
            return render(request, "inspections/report_thanks.html", {"report": report})
    return render(request, "inspections/report_form.html", {"form": form, "campaign": campaign})


def _tracked(code: str) -> CitizenReport | None:
    return CitizenReport.objects.filter(tracking_code=code.strip().upper()[:16]).select_related(
        "rectification").first()


def _public_after_photos(report: CitizenReport):
    """The fix's photos of the report's own item, shown to the reporter once it is closed: the
    last submission's (the one that was verified)."""
    item = getattr(report, "rectification", None)   # the reverse one-to-one may be missing
    if item is None or item.status != RectificationStatus.CLOSED:
        return []
    event = RectificationEvent.objects.filter(
        rectification=item, action=EventAction.SUBMITTED).order_by("-created_at", "-pk").first()
    return list(event.photos.order_by("pk")) if event else []


@login_not_required
def report_track(request):
    form = forms.TrackForm(request.GET or None)
    report = None
    if form.is_bound and form.is_valid():
        report = _tracked(form.cleaned_data["code"])
        if report is None:
            form.add_error("code", _("No report has this tracking code."))
    return render(request, "inspections/report_track.html", {
        "form": form, "report": report,
        "item": getattr(report, "rectification", None) if report else None,
        "after": _public_after_photos(report) if report else [],
    })


@login_not_required
@require_GET
def report_track_photo(request, code: str, pk: int):
    """An after-photo of a closed item, to whoever holds the tracking code of its report."""
    report = _tracked(code)
    photos = _public_after_photos(report) if report else []
    photo = next((photo for photo in photos if photo.pk == pk), None)
    if photo is None:
        raise Http404
    return photo_response(photo, thumb=True)


def report_list(request):
    if not permissions.can_triage_reports(request.user):
        raise PermissionDenied
    reports = permissions.visible_citizen_reports(request.user)
    # ?status=new: the reports to triage, as counted on the home page.
    status = request.GET.get("status", "")
    if status in CitizenReportStatus.values:
        reports = reports.filter(status=status)
    return render(request, "inspections/report_list.html",
                  {"reports": reports.order_by("-created_at")[:200], "status": status})


def report_detail(request, pk: int):
    # Only the office sees reports at all, so for anyone else every report is out of scope: 404.
    report = get_object_or_404(permissions.visible_citizen_reports(request.user), pk=pk)
    units = managed_units(request.user).filter(campaign_id=report.campaign_id).order_by("path")
    points = visible_points(request.user).filter(
        campaign_id=report.campaign_id, is_active=True).select_related("unit").order_by("code")
    criteria = Criterion.objects.in_force().filter(category__standard__campaign_id=report.campaign_id)
    form = forms.TriageForm(request.POST or None, units=units, points=points, criteria=criteria,
                            standalone_deadline=services.default_deadline(
                                None, timezone.now(), report.campaign),
                            campaign=report.campaign,
                            initial={"title": report.description[:60]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "reject" in request.POST:
                services.reject_report(report, reason=data["reason"], by=request.user)
                messages.success(request, _("Report rejected."))
                return redirect("inspections:report-list")
            if not (data["unit"] and data["title"]):
                raise services.InspectionError(_("Choose a unit and a title."))
            item = services.accept_report(report, unit=data["unit"], title=data["title"],
                                          deadline=data["deadline"], by=request.user,
                                          point=data["point"], criterion=data["criterion"],
                                          period=form.period)
        except (services.InspectionError, workflow.TransitionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Item %(code)s filed.") % {"code": item.code})
            return redirect(item)
    return render(request, "inspections/report_detail.html", {
        "report": report, "form": form, "photos": report.photos.all(),
        "open": report.status == CitizenReportStatus.NEW,
        "calendar_warnings": calendar_warnings([report.campaign], timezone.now(), request.user),
    })
