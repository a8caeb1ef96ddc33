"""Idle and absolute session timeouts.

A session ends SESSION_IDLE after its last request and SESSION_ABSOLUTE after its log-in,
whichever comes first; the person is sent to the log-in page with a message, and `next` brings
them back. The last-activity stamp is rewritten at most once a minute: a session is written (to
the database, and with REDIS_URL to Redis) once a minute per active person, not on every request.
A session is idle-expired at most one minute early, never late.

A person typing a long form sends no request: the page's script (campaign/static/campaign/
session.js) pings accounts:ping on activity, at most every PING_EVERY, and warns WARN_BEFORE the
end with a button that pings (both at most a third of the idle timeout). Once the end has passed,
the notice links to the log-in page in a new tab: the page being typed stays, and once logged in
there, it can be sent. An expired session on a public page (a view marked
login_not_required, as the citizen report form) is logged out and the page shown, not the
log-in page.
"""

import datetime as dt
import math
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
# What the page's script (session.js) is told: it pings on activity at most this often, and warns
# this long before the idle end; both at most a third of the idle timeout (script_timings), so a
# short DJANGO_SESSION_IDLE_MINUTES still leaves pings to keep a typing person in.
PING_EVERY = dt.timedelta(minutes=5)
WARN_BEFORE = dt.timedelta(minutes=2)


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware (it logs out and leaves a message).
    The clocks are read for every request; an expired session ends in process_view, where the
    view says whether it needs a log-in (as in Django's LoginRequiredMiddleware), or, for a
    request that reaches no view (an unknown address, a refused form), after the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = None
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            if STARTED not in request.session:       # a session from before these stamps
                start_clock(request.session, now)
            reason = expired(request.session, now)
            if reason is None and now - request.session.get(SEEN, 0) >= STAMP_EVERY.total_seconds():
                request.session[SEEN] = now
        request._session_expired = reason  # type: ignore[attr-defined]
        response = self.get_response(request)
        if request._session_expired:  # type: ignore[attr-defined]  # no view was reached
            _end(request, request._session_expired)  # type: ignore[attr-defined]
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        reason = getattr(request, "_session_expired", None)
        if not reason:
            return None
        _end(request, reason)
        if not getattr(view_func, "login_required", True):
            return None                               # a public page: shown, logged out
        back = _next(request)
        return redirect_to_login(back) if back else redirect(settings.LOGIN_URL)


def start_clock(session, now: float) -> None:
    session[STARTED] = session[SEEN] = now


def touch(session, now: float) -> None:
    """The person is active (the ping): the idle clock starts again now."""
    session[SEEN] = now


def session_clock(request: HttpRequest) -> dict:
    """Context processor: what session.js needs on a signed-in page (`session_clock`): the
    seconds left before the idle end, the seconds a ping gives, when to ping and to warn."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated or SEEN not in session:
        return {}
    idle = settings.SESSION_IDLE.total_seconds()
    left = idle - (timezone.now().timestamp() - session[SEEN])
    ping_every, warn_before = script_timings(settings.SESSION_IDLE)
    return {"session_clock": {
        "left": max(int(left), 0), "idle": int(idle),
        "ping_every": ping_every, "warn_before": warn_before,
        # Said in whole minutes, rounded up: "in 1 minute" rather than "in 0 minutes".
        "warn_minutes": max(math.ceil(warn_before / 60), 1),
    }}


def script_timings(idle: dt.timedelta) -> tuple[int, int]:
    """Seconds between pings and seconds of warning for session.js: PING_EVERY and WARN_BEFORE,
    but at most a third of the idle timeout each, so that (with an idle timeout of 5 minutes or
    less) activity still pings well before the end, and the warning comes after some idle time."""
    third = idle.total_seconds() / 3
    return (max(int(min(PING_EVERY.total_seconds(), third)), 1),
            max(int(min(WARN_BEFORE.total_seconds(), third)), 1))


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


def _end(request: HttpRequest, reason: str) -> None:
    request._session_expired = None  # type: ignore[attr-defined]
    signals.session_expired.send(sender=SessionTimeoutMiddleware, request=request,
                                 user=request.user, reason=reason)
    logout(request)
    messages.info(request, _message(reason))


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
