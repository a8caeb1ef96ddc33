"""My account (/accounts/): change one's own password, log out everywhere. Other sections (the
two-step verification) join the page through its `account_sections` block. And the ping that
keeps an active person's session (campaign/static/campaign/session.js)."""

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from campaign.accounts import services, timeouts
from campaign.accounts.forms import OwnPasswordChangeForm
from campaign.http import AuthenticatedHttpRequest


class AccountView(PasswordChangeView):
    """The page, and the change of password it posts to itself (Django's view and form, the
    validators of AUTH_PASSWORD_VALIDATORS)."""

    template_name = "registration/account.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("accounts:account")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form) -> HttpResponse:
        if form.wrong_old_password and services.wrong_password_ends_session(self.request):
            logout(self.request)
            limit = settings.LOGIN_PAIR_LIMIT
            messages.error(self.request, ngettext(
                "You were logged out: the current password was entered wrongly %(count)d time.",
                "You were logged out: the current password was entered wrongly %(count)d times.",
                limit) % {"count": limit})
            return redirect("login")
        return super().form_invalid(form)

    def form_valid(self, form) -> HttpResponse:
        form.save()
        services.password_was_changed(form.user, request=self.request)
        messages.success(self.request, _(
            "Your password was changed. You stay logged in here; everywhere else you were "
            "logged out."))
        return HttpResponseRedirect(self.get_success_url())


@require_POST
def log_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.end_all_sessions(request.user, request=request)
    logout(request)
    messages.success(request, _("You were logged out everywhere, on this device and on every other."))
    return redirect("login")


@require_POST
def ping(request: HttpRequest) -> HttpResponse:
    """The page is in use (typing counts): the session's idle clock starts again."""
    timeouts.touch(request.session, timezone.now().timestamp())
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
