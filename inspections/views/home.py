"""The home page: each person's work, a block for each role they hold (inspections.dashboard)."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign.permissions import read_roles, user_roles
from campaign.routers import reads_replica
from inspections import dashboard


def _labels() -> dict[str, str]:
    return {
        "due_soon": _("Due within %(days)s days") % {"days": dashboard.DUE_SOON_DAYS},
        "overdue": _("Overdue"),
        "rework": _("Returned for rework"),
        "received": _("Received, not acknowledged"),
        "notices": _("Supervision notices awaiting a reply"),
        "waiting": _("Waiting for verification"),
        "sent_back": _("Sent back, awaiting re-routing"),
        "reports": _("Citizen reports to triage"),
        "revisits": _("Reporters not satisfied, to look at again"),
        "task_overdue": _("Tasks past due"),
        "task_behind": _("Tasks behind schedule"),
        "task_on_track": _("Tasks on track, not done"),
        "filed": _("Filed"),
        "closed": _("Closed"),
        "no_category": _("No category"),
        "visits": _("My visits this month"),
    }


@require_GET
@reads_replica
def home(request):
    user = request.user
    now = timezone.now()
    labels = _labels()
    memberships, charges = read_roles(user)   # also the scope every block below reads
    context = {
        "memberships": memberships,
        "charges": charges,
        "roles": user_roles(user),
        "staff_blocks": dashboard.staff_blocks(user, now, labels),
        "inspector": dashboard.inspector_block(user, now, labels),
        "coordinator_blocks": dashboard.coordinator_blocks(user, now, labels),
        "reports": dashboard.reports_to_triage(user, labels["reports"]),
        "revisits": dashboard.revisits_to_review(user, labels["revisits"]),
        "leader_rows": dashboard.leader_rows(user, now, labels),
        "units_not_shown": dashboard.units_not_shown(user),
        "units_shown": dashboard.UNITS_SHOWN,
        "now": now,
    }
    return render(request, "inspections/home.html", context)
