from django import template

from integrations.permissions import can_manage_tokens

register = template.Library()


@register.simple_tag(takes_context=True)
def manages_tokens(context) -> bool:
    """Whether the nav links to the integration tokens: the pages' own predicate."""
    request = context.get("request")
    return request is not None and can_manage_tokens(request.user)
