from django import template

from campaign.tasks.services import amount as format_amount

register = template.Library()


@register.filter
def amount(value) -> str:
    """162.00 → 162; 90.50 → 90.5."""
    if value is None or value == "":
        return ""
    return format_amount(value)
