"""The follow-up's parts of pages other views render: the reporter's question on the tracking
page and the publish form on an item page. Each asks the same services and predicates as the
views that take the POST, and queries nothing for pages where it has no part."""

from django import template

from inspections import permissions
from inspections.followup import forms, services
from inspections.models import PublishedFix

register = template.Library()


@register.simple_tag
def feedback_form(bound=None):
    """The form the tracking page shows once the item is closed (the bound one after a refusal)."""
    return bound or forms.FeedbackForm()


@register.simple_tag(takes_context=True)
def publish_box(context, item) -> dict | None:
    """The publish form of a closed citizen-report item, for a coordinator in scope; None
    otherwise."""
    request = context.get("request")
    if request is None or not services.may_publish(item) or \
            not permissions.can_publish_fix(request.user, item):
        return None
    published = PublishedFix.objects.filter(item=item).first()
    initial = {"before": published.before_id, "after": published.after_id} if published else {}
    form = forms.PublishForm(before=services.before_photos(item), after=services.after_photos(item),
                             initial=initial, auto_id="id_publish_%s")
    return {"form": form, "published": published}
