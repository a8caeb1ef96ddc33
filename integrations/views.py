"""The integration tokens' pages (/integrations/tokens/): the list, issuing one (its key shown
once, never stored, on a page no cache keeps) and revoking one. Administrators only
(can_manage_tokens). The audit trail records the issue and the revocation (campaign.audit
tracks ApiToken, its key hash left out)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaign.http import AuthenticatedHttpRequest
from integrations import tokens
from integrations.forms import TokenForm
from integrations.models import ApiToken
from integrations.permissions import can_manage_tokens

# The list shows the newest tokens up to this many (an install has a handful).
TOKENS_SHOWN = 200


def _guard(request: HttpRequest) -> None:
    if not can_manage_tokens(request.user):
        raise PermissionDenied


@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    shown = list(ApiToken.objects.select_related("user", "unit", "created_by")[: TOKENS_SHOWN + 1])
    return render(request, "integrations/token_list.html", {
        "tokens": shown[:TOKENS_SHOWN], "more": len(shown) > TOKENS_SHOWN, "limit": TOKENS_SHOWN})


@never_cache
def token_issue(request: AuthenticatedHttpRequest) -> HttpResponse:
    _guard(request)
    form = TokenForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token, key = tokens.issue(name=data["name"], user=data["account"], unit=data["unit"],
                                  access=data["access"], by=request.user)
        return render(request, "integrations/token_issued.html", {"token": token, "key": key})
    return render(request, "integrations/token_form.html", {"form": form})


def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _guard(request)
    token = get_object_or_404(ApiToken.objects.select_related("user", "unit"), pk=pk)
    if request.method == "POST":
        if token.is_active:
            tokens.revoke(token)
            messages.success(request, _("Token %(name)s revoked: its key no longer works.")
                             % {"name": token.name})
        return redirect("integrations:token-list")
    return render(request, "integrations/token_revoke.html", {"token": token})
