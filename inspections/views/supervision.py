"""The campaign's supervision rules (督办): when reminders go out and when overdue items
escalate, edited by the campaign office, with the scheduler's last runs beside them."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.calendar import WorkingCalendar, unknown_year_message
from campaign.http import AuthenticatedHttpRequest
from campaign.models import Campaign
from campaign.notifications.enums import NotificationKind
from campaign.permissions import office_campaigns, visible_units
from inspections.forms import SupervisionRulesForm
from inspections.models import SupervisionRules, SupervisionRun
from inspections.permissions import can_edit_supervision_rules
from inspections.supervision import save_rules

RUNS_SHOWN = 10
# The calendar must answer this far ahead for the reminders the rules ask for.
CALENDAR_AHEAD = dt.timedelta(days=60)


def supervision_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The nav's link: the rules of the user's campaign office, or the list when several."""
    campaigns = list(office_campaigns(request.user).order_by("start", "pk")[:50])
    if not campaigns:
        raise PermissionDenied
    if len(campaigns) == 1:
        return redirect("inspections:supervision-rules", pk=campaigns[0].pk)
    return render(request, "inspections/supervision_index.html", {"campaigns": campaigns})


def supervision_rules(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.filter(pk__in=visible_units(request.user).values("campaign_id")), pk=pk
    )
    if not can_edit_supervision_rules(request.user, campaign):
        raise PermissionDenied
    rules = SupervisionRules.for_campaign(campaign)
    form = SupervisionRulesForm(request.POST or None, instance=rules)
    if request.method == "POST":
        if form.is_valid():
            save_rules(form.save(commit=False), by=request.user)
            messages.success(request, _("The supervision rules are saved; the next run of the "
                                        "scheduler follows them."))
            return redirect("inspections:supervision-rules", pk=campaign.pk)
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
    calendar = WorkingCalendar(campaign)
    today = calendar.local_day(timezone.now())
    unknown = calendar.unknown_years(range(today.year, (today + CALENDAR_AHEAD).year + 1))
    runs = [
        {"run": run, "seconds": (run.finished_at - run.started_at).total_seconds(),
         "lines": [(NotificationKind(kind).label, n) for kind, n in run.counts.items()
                               if n and kind in NotificationKind.values]}
        for run in SupervisionRun.objects.filter(campaign=campaign)[:RUNS_SHOWN]
    ]
    return render(request, "inspections/supervision_rules.html", {
        "campaign": campaign, "form": form, "rules": rules, "runs": runs,
        "calendar_warnings": [unknown_year_message(year) for year in unknown],
    })
