from django import template

from campaign.audit.permissions import can_read_audit

register = template.Library()


@register.simple_tag(takes_context=True)
def reads_audit(context) -> bool:
    """Whether the nav links to the audit trail: the page's own predicate."""
    request = context.get("request")
    return request is not None and can_read_audit(request.user)
