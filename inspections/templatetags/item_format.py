import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from inspections import plausibility, services

register = template.Library()


@register.filter
def photo_warning(value) -> str:
    """A photo warning recorded on a close event, in words (inspections.plausibility)."""
    return plausibility.describe(value) if isinstance(value, dict) else str(value)


@register.filter
def local_moment(value) -> str:
    """An ISO datetime kept in event data → local time as "Y-m-d H:i"; other text unchanged."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "Y-m-d H:i")


@register.filter
def criterion_period(criterion) -> str:
    """A criterion's default deadline as people read it ("3 天", "3 个工作日")."""
    return services.criterion_period(criterion)
