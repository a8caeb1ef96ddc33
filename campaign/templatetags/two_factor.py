"""{% two_factor_status as tf %}: the signed-in person's two-step verification, for the account
page's section (registration/_account_two_factor.html), which can then be placed on any page."""

from django import template

from campaign.permissions import must_use_second_factor
from campaign.twofactor.services import app_device, recovery_codes_left

register = template.Library()


@register.simple_tag(takes_context=True)
def two_factor_status(context) -> dict:
    user = context["request"].user
    return {
        "device": app_device(user),
        "left": recovery_codes_left(user),
        "required": must_use_second_factor(user),
    }
