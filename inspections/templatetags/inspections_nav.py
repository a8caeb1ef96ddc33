from django import template

from campaign.enums import Role
from campaign.permissions import user_roles
from inspections.enums import CitizenReportStatus
from inspections.models import CitizenReport
from inspections.permissions import units_with_role

register = template.Library()


@register.simple_tag(takes_context=True)
def new_report_count(context) -> int | None:
    """New citizen reports (随手拍) awaiting triage by the user; None for whoever does not
    triage (no query beyond the cached roles for them)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or Role.COORDINATOR not in user_roles(user):
        return None
    campaigns = units_with_role(user, Role.COORDINATOR).filter(parent=None).values("campaign_id")
    return CitizenReport.objects.filter(campaign_id__in=campaigns,
                                        status=CitizenReportStatus.NEW).count()
