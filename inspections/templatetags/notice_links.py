"""The supervision notices naming a task, for the task's page (campaign's, which may not import
inspections: the template loads this library by name)."""

from django import template
from django.urls import reverse

from inspections.notices.permissions import can_issue, notices_naming

register = template.Library()


@register.inclusion_tag("inspections/_notice_links.html", takes_context=True)
def task_notices(context, task):
    """The notices the reader sees that name the task (one query), and "issue a notice" for
    whoever may address one to the task's unit."""
    user = context["request"].user
    return {
        "notices": notices_naming(user, tasks=task),
        "issue_url": f"{reverse('inspections:notice-create')}?task={task.pk}"
        if can_issue(user, task.unit) else "",
    }
