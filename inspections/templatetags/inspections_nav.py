from django import template

from inspections.permissions import can_edit_supervision_rules_somewhere, reports_awaiting_triage

register = template.Library()


@register.simple_tag(takes_context=True)
def new_report_count(context) -> int | None:
    """New citizen reports (随手拍) awaiting triage by the user; None for whoever may not triage
    (the nav then offers no link, as the report list would refuse them)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return None
    return reports_awaiting_triage(user)


@register.simple_tag(takes_context=True)
def offers_supervision_rules(context) -> bool:
    """Whether the nav links to the supervision rules: the campaign office's people."""
    user = getattr(context.get("request"), "user", None)
    return bool(user is not None and user.is_authenticated
                and can_edit_supervision_rules_somewhere(user))
