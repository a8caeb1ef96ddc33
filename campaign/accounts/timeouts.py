"""Idle and absolute session timeouts.

A session ends SESSION_IDLE after its last request and SESSION_ABSOLUTE after its log-in,
whichever comes first; the person is sent to the log-in page with a message, and `next` brings
them back. The last-activity stamp is rewritten at most once a minute: a session is written (to
the database, and with REDIS_URL to Redis) once a minute per active person, not on every request.
A session is idle-expired at most one minute early, never late.
"""

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import ngettext

from campaign import signals

STARTED = "_session_started"      # epoch seconds of the log-in
SEEN = "_session_seen"            # epoch seconds of the last stamped activity
STAMP_EVERY = dt.timedelta(minutes=1)


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware (it logs out and leaves a message)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            if STARTED not in request.session:       # a session from before these stamps
                start_clock(request.session, now)
            reason = expired(request.session, now)
            if reason:
                return _expire(request, reason)
            if now - request.session.get(SEEN, 0) >= STAMP_EVERY.total_seconds():
                request.session[SEEN] = now
        return self.get_response(request)


def start_clock(session, now: float) -> None:
    session[STARTED] = session[SEEN] = now


@receiver(user_logged_in, dispatch_uid="campaign.accounts.timeouts")
def _logged_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Both clocks start at the log-in, whichever view (or test) logs in."""
    if request is not None and hasattr(request, "session"):
        start_clock(request.session, timezone.now().timestamp())


def expired(session, now: float) -> str | None:
    """"absolute", "idle" or None for a session's stamps at `now` (epoch seconds)."""
    if now - session[STARTED] > settings.SESSION_ABSOLUTE.total_seconds():
        return "absolute"
    if now - session.get(SEEN, session[STARTED]) > settings.SESSION_IDLE.total_seconds():
        return "idle"
    return None


def _expire(request: HttpRequest, reason: str) -> HttpResponse:
    user = request.user
    signals.session_expired.send(sender=SessionTimeoutMiddleware, request=request, user=user,
                                 reason=reason)
    logout(request)
    messages.info(request, _message(reason))
    back = _next(request)
    return redirect_to_login(back) if back else redirect(settings.LOGIN_URL)


def _message(reason: str) -> str:
    if reason == "idle":
        minutes = int(settings.SESSION_IDLE.total_seconds() // 60)
        return ngettext(
            "You were logged out after %(count)d minute without activity. Please log in again.",
            "You were logged out after %(count)d minutes without activity. Please log in again.",
            minutes) % {"count": minutes}
    hours = int(settings.SESSION_ABSOLUTE.total_seconds() // 3600)
    return ngettext(
        "You were logged out: a session lasts at most %(count)d hour. Please log in again.",
        "You were logged out: a session lasts at most %(count)d hours. Please log in again.",
        hours) % {"count": hours}


def _next(request: HttpRequest) -> str | None:
    """The page to come back to: this one, or for a form sent (POST) the page it was sent from,
    since the form's address may answer only POST."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    try:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    except ValueError:           # e.g. "http://[::1" (the header is the client's to make)
        return None
    if referer.netloc == request.get_host() and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return None
