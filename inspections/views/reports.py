"""Citizen reports (随手拍): the public form and tracking page (the triage is in views.triage)."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.validators import slug_re
from django.db.models import Avg
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.clientip import throttle_address
from campaign.http import photo_response
from campaign.models import Campaign, Point
from campaign.photos import PhotoError
from campaign.ratelimit import count_hit
from inspections import forms, services
from inspections.enums import CitizenReportStatus, EventAction, RectificationStatus
from inspections.models import CitizenReport, RectificationEvent

# Reports one address may send in an hour (a fixed window counted in the "counters" cache, which
# every app server shares when REDIS_URL is set).
REPORTS_PER_HOUR = 10


def public_campaign(request) -> Campaign:
    key = request.GET.get("campaign", "")[:60]
    if key and not slug_re.fullmatch(key):
        # Not a campaign's key (a key is a slug): not found, before any query (PostgreSQL
        # refuses a NUL in a parameter).
        raise Http404
    campaigns = Campaign.objects.order_by("start", "pk")
    campaign = campaigns.filter(key=key).first() if key else campaigns.first()
    if campaign is None:
        raise Http404
    return campaign


def over_rate_limit(request) -> bool:
    """Count this report against the sender's address (an IPv6 sender's /64); True once the
    hour's quota is used."""
    return count_hit(f"report-rate:{throttle_address(request)}", window=3600).count > REPORTS_PER_HOUR


# The tracking codes of the reports this browser sent (its session), newest last: only they have
# a thanks page here, so the page shows nobody else's report. At most this many are kept.
SESSION_REPORTS = "citizen_reports"
MAX_SESSION_REPORTS = 20


def _remember(request, report: CitizenReport) -> None:
    codes = [code for code in request.session.get(SESSION_REPORTS, [])
             if code != report.tracking_code]
    request.session[SESSION_REPORTS] = [*codes, report.tracking_code][-MAX_SESSION_REPORTS:]


@login_not_required
def report_create(request):
    """The public form. A report filed (or recognised as one already received) redirects to its
    thanks page, so reloading that page never files it again (post/redirect/get)."""
    campaign = public_campaign(request)
    if request.method == "POST" and over_rate_limit(request):
        form = forms.CitizenReportForm(request.POST, request.FILES, campaign=campaign)
        form.is_valid()    # shows the typed text back; nothing is stored
        form.errors.clear()
        form.add_error(None, _("Too many reports from this address: please try again in an "
                               "hour."))
        form.note_dropped_photos()
        return render(request, "inspections/report_form.html",
                      {"form": form, "campaign": campaign}, status=429)
    form = forms.CitizenReportForm(request.POST or None, request.FILES or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_problem(
                campaign=campaign, description=data["description"], location=data["location"],
                contact=data["contact"], uploads=data["photos"],
                latitude=data["latitude"], longitude=data["longitude"],
                category=data.get("category"), sender=throttle_address(request),
            )
        except services.RepeatedReport as repeat:
            messages.info(request, str(repeat))
            _remember(request, repeat.report)
            return redirect("inspections:report-thanks", code=repeat.report.tracking_code)
        except (PhotoError, services.InspectionError) as error:
            form.add_error("photos", str(error))
        else:
            _remember(request, report)
            return redirect("inspections:report-thanks", code=report.tracking_code)
    form.note_dropped_photos()
    return render(request, "inspections/report_form.html", {
        "form": form, "campaign": campaign, **_map_context(campaign),
    })


MICRODEGREE = Decimal("0.000001")


def _map_context(campaign: Campaign) -> dict:
    """The map pick: shown only with a tile server (settings.MAP_TILE_URL). Without tiles a map
    is a blank square, no help in finding a street, so the form keeps the place in words, the
    "use my location" button and the typed coordinates."""
    if not settings.MAP_TILE_URL:
        return {"pick_map": None}
    centre = Point.objects.filter(campaign=campaign, is_active=True, latitude__isnull=False,
                                  longitude__isnull=False).aggregate(
        latitude=Avg("latitude"), longitude=Avg("longitude"))
    return {"pick_map": {
        "tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION,
        **{axis: None if value is None else str(value.quantize(MICRODEGREE))
           for axis, value in centre.items()},
    }}


@login_not_required
@require_GET
def report_thanks(request, code: str):
    """The page a sent report leads to: its tracking code. Only for the browser that sent it
    (the code is in its session); anyone else looks a code up on the tracking page."""
    if code not in request.session.get(SESSION_REPORTS, []):
        raise Http404
    report = tracked_report(code)
    if report is None:
        raise Http404
    return render(request, "inspections/report_thanks.html", {"report": report})


def tracked_report(code: str) -> CitizenReport | None:
    """The report of a tracking code as typed (any case, blanks around); None for anything that
    cannot be a code (a code is letters and digits: nothing else reaches the database)."""
    code = code.strip().upper()
    if not code or len(code) > 16 or not code.isascii() or not code.isalnum():
        return None
    return CitizenReport.objects.filter(tracking_code=code).select_related("item").first()


@dataclass(frozen=True)
class Stage:
    """One step of a report's way on the tracking page: received, triaged, being fixed, fixed.
    `state`: done, current (where the report stands), stopped (it ends here) or waiting."""

    name: str
    state: str
    text: str


def tracking_stages(report: CitizenReport) -> list[Stage]:
    """Where the report stands, step by step, in plain words; nothing about the staff."""
    item = report.item
    stages = [Stage(_("Received"), "done", _("Received on %(time)s.") % {
        "time": _local(report.created_at)})]
    if report.status == CitizenReportStatus.REJECTED:
        return [*stages, Stage(_("Triaged"), "stopped", _("Not taken up: %(reason)s") % {
            "reason": report.reason})]
    if item is None:
        if report.status == CitizenReportStatus.NEW:
            return [*stages,
                    Stage(_("Triaged"), "current",
                          _("The campaign office is deciding who is to fix it.")),
                    Stage(_("Being fixed"), "waiting", ""), Stage(_("Fixed"), "waiting", "")]
        return [*stages, Stage(_("Triaged"), "done", _("Accepted."))]
    stages.append(Stage(_("Triaged"), "done", _("Accepted as item %(code)s.") % {"code": item.code}))
    deadline = _local(item.deadline)
    if item.status == RectificationStatus.VOIDED:
        return [*stages, Stage(_("Being fixed"), "stopped",
                               _("On checking, it was found not to need fixing."))]
    if item.status == RectificationStatus.CLOSED:
        return [*stages, Stage(_("Being fixed"), "done", _("Fixed by the responsible unit.")),
                Stage(_("Fixed"), "done", _("The fix was checked on the spot and the case closed."))]
    if item.status == RectificationStatus.SUBMITTED:
        fixing = _("The unit says it is fixed; the campaign office is checking the fix.")
    else:
        fixing = _("%(status)s; to be fixed by %(deadline)s.") % {
            "status": item.get_status_display(), "deadline": deadline}
    return [*stages, Stage(_("Being fixed"), "current", fixing), Stage(_("Fixed"), "waiting", "")]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _public_after_photos(report: CitizenReport):
    """The fix's photos of the report's own item, shown to the reporter once it is closed: the
    last submission's (the one that was verified)."""
    item = report.item
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
        report = tracked_report(form.cleaned_data["code"])
        if report is None:
            form.add_error("code", _("No report has this tracking code."))
    return render(request, "inspections/report_track.html", {
        "form": form, **track_context(report)})


def track_context(report: CitizenReport | None) -> dict:
    """What the tracking page shows of a report (none: the form alone): also after a follow-up
    answer that was refused, so the page looks the same."""
    if report is None:
        return {"report": None, "item": None, "stages": [], "after": []}
    return {"report": report, "item": report.item, "stages": tracking_stages(report),
            "after": _public_after_photos(report)}


@login_not_required
@require_GET
def report_track_photo(request, code: str, pk: int):
    """An after-photo of a closed item, to whoever holds the tracking code of its report."""
    report = tracked_report(code)
    photos = _public_after_photos(report) if report else []
    photo = next((photo for photo in photos if photo.pk == pk), None)
    if photo is None:
        raise Http404
    return photo_response(photo, thumb=True)
