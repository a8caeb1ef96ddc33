"""The pages of two-step verification, under /accounts/two-factor/: the code asked after the
password, setting up an app, the recovery codes, the status page, and turning it off."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from campaign.accounts.services import end_other_sessions
from campaign.permissions import must_use_second_factor
from campaign.signals import second_factor_passed
from campaign.twofactor import services
from campaign.twofactor.forms import AppCodeForm, CodeForm
from campaign.twofactor.middleware import DEVICE_KEY, FAILURES_KEY, note_device, with_next

# Recovery codes just made, shown once by the next recovery-codes page.
NEW_CODES_KEY = "second_factor_new_codes"
# The unconfirmed device (its pk) whose secret the set-up page showed in this session.
PENDING_KEY = "second_factor_pending_device"


def _next_url(request: HttpRequest) -> str:
    """Where to go once done: the `next` carried from the login page, if it is one of ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return ""


def _verified(request: HttpRequest, device) -> None:
    """This session has passed the second step: a new session key (as at any change of
    privilege) and django-otp's mark on it; announced for the audit."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[DEVICE_KEY] = True
    request.session.pop(FAILURES_KEY, None)
    second_factor_passed.send(sender=type(device), request=request, user=request.user,
                              what="recovery_code" if isinstance(device, StaticDevice) else "app")


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    next_url = _next_url(request)
    if request.user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if not note_device(request, request.user):
        # Nothing to ask for (removed meanwhile): the gate decides what comes next.
        return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.check_code(request.user, form.cleaned_data["code"], request=request)  # type: ignore[arg-type]
        if check.device is not None:
            _verified(request, check.device)
            return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
        if check.wait_until is not None:
            form.add_error("code", _wrong_or_wait(check))
        else:
            failures = request.session.get(FAILURES_KEY, 0) + 1
            if failures >= settings.TWO_FACTOR_FAILURE_LIMIT:
                logout(request)
                return render(request, "twofactor/locked.html", status=429)
            request.session[FAILURES_KEY] = failures
            form.add_error("code", _(
                "This code is wrong or has already been used. Check that the phone's time is "
                "right and enter the newest code. %(left)s tries left.")
                % {"left": settings.TWO_FACTOR_FAILURE_LIMIT - failures})
    return render(request, "twofactor/verify.html", {"form": form, "next": next_url})


def _wrong_or_wait(check: services.CodeCheck) -> str:
    if check.wait_until is not None:
        return _wait_message(check.wait_until)
    return _("This code is wrong or has already been used.")


def _wait_message(until: dt.datetime) -> str:
    return _("Too many wrong codes. Wait a moment and try again after %(time)s.") % {
        "time": time_format(timezone.localtime(until), "H:i:s")}


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (or a new one in place of the old): scan the QR code or type
    the secret, then confirm with a code from the app."""
    user = request.user
    if not user.is_verified() and note_device(request, user):  # type: ignore[union-attr]
        # Replacing an app takes a session that has passed the second step.
        return HttpResponseRedirect(with_next(reverse("two-factor:verify"), _next_url(request)))
    kept = request.session.get(PENDING_KEY)
    device = services.pending_app_device(user, kept=kept)  # type: ignore[arg-type]
    request.session[PENDING_KEY] = device.pk
    required = must_use_second_factor(user)  # type: ignore[arg-type]
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and device.pk != kept:
        # The secret this page showed is gone (set-up started again in another browser, or
        # this session never saw one): a code from it cannot be right, so ask again.
        form = AppCodeForm()
        messages.warning(request, _(
            "Setting up was started again elsewhere, so the QR code has changed. Remove the "
            "account you just added from the app, scan this new QR code and enter its code."))
    elif request.method == "POST" and form.is_valid():
        confirmation = services.confirm_app_device(device, form.cleaned_data["code"], request=request)
        codes = confirmation.codes
        if codes is not None:
            request.session.pop(PENDING_KEY, None)
            _verified(request, device)
            # Sessions opened elsewhere with the password alone end: from now on every session
            # of this person has passed the code.
            end_other_sessions(user, request=request)  # type: ignore[arg-type]
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, _("Two-step verification is on. Keep your recovery codes safe."))
            return HttpResponseRedirect(with_next(reverse("two-factor:recovery-codes"), _next_url(request)))
        form.add_error("code", _wait_message(confirmation.wait_until) if confirmation.wait_until else _(
            "This code is wrong. Check that the phone's time is right, and enter the code the "
            "app shows now for this account."))
    return render(request, "twofactor/setup.html", {
        "form": form,
        "next": _next_url(request),
        "qr": services.qr_svg(device, title=_("QR code to scan with your authenticator app")),
        "secret": services.secret_text(device),
        "issuer": settings.OTP_TOTP_ISSUER,
        "required": required,
        "replacing": services.app_device(user) is not None,  # type: ignore[arg-type]
    })


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes: new ones shown once, right after they are made; a button makes new
    ones (the old ones stop working)."""
    user = request.user
    if not user.is_verified():  # type: ignore[union-attr]
        return redirect("two-factor:status")
    if request.method == "POST":
        request.session[NEW_CODES_KEY] = services.regenerate_recovery_codes(user, request=request)  # type: ignore[arg-type]
        return HttpResponseRedirect(with_next(reverse("two-factor:recovery-codes"), _next_url(request)))
    return render(request, "twofactor/recovery_codes.html", {
        "codes": request.session.pop(NEW_CODES_KEY, None),
        "left": services.recovery_codes_left(user),  # type: ignore[arg-type]
        "next": _next_url(request),
    })


@never_cache
@require_http_methods(["GET"])
def status(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "twofactor/status.html", {
        "device": services.app_device(user),  # type: ignore[arg-type]
        "left": services.recovery_codes_left(user),  # type: ignore[arg-type]
        "required": must_use_second_factor(user),  # type: ignore[arg-type]
        "verified": user.is_verified(),  # type: ignore[union-attr]
    })


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def disable(request: HttpRequest) -> HttpResponse:
    """Turn two-step verification off, where it is optional, with a current code."""
    user = request.user
    if must_use_second_factor(user):  # type: ignore[arg-type]
        raise PermissionDenied
    if services.app_device(user) is None:  # type: ignore[arg-type]
        return redirect("two-factor:status")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.check_code(user, form.cleaned_data["code"], request=request)  # type: ignore[arg-type]
        if check.device is not None:
            services.remove_second_factor(user, by=user, request=request)  # type: ignore[arg-type]
            request.session[DEVICE_KEY] = False
            messages.success(request, _(
                "Two-step verification is off. You stay logged in here; everywhere else you were "
                "logged out."))
            return redirect("two-factor:status")
        form.add_error("code", _wrong_or_wait(check))
    return render(request, "twofactor/disable.html", {"form": form})
