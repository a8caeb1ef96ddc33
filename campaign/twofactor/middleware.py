"""The gate after the password: a signed-in person who has set up an authenticator app reaches
nothing but the code page (and logging out) until this session has taken a code; one who must
use two-step verification and has no app reaches nothing but the set-up page.

Whether the person had a device is noted in the session when they log in, so an ordinary
request asks the database nothing more; a verified session is django-otp's own
(request.user.is_verified()).
"""

from urllib.parse import urlencode

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from campaign.permissions import must_use_second_factor
from campaign.twofactor.services import has_device

# Whether the person had a confirmed device when this session logged in (or last looked).
DEVICE_KEY = "second_factor_device"
# Wrong codes entered in this session.
FAILURES_KEY = "second_factor_failures"

# Pages a person who owes the second step may still open.
# The installable app's files and its offline page name nobody: the service worker fetches them
# as soon as the set-up or code page registers it, and a redirect would send that fetch on to the
# step's page, where it raced the person's own request for the session (and, on the set-up page,
# replaced the secret just shown).
OPEN_PAGES = {"logout", "set_language", "javascript-catalog", "healthz",
              "pwa:manifest", "pwa:service-worker", "pwa:offline"}
VERIFY_PAGES = OPEN_PAGES | {"two-factor:verify"}
SETUP_PAGES = OPEN_PAGES | {"two-factor:setup"}


def note_device(request: HttpRequest, user) -> bool:
    """Look up (and keep in the session) whether the person has a device."""
    found = has_device(user)
    request.session[DEVICE_KEY] = found
    return found


def on_login(sender, request, user, **kwargs) -> None:
    """Connected to user_logged_in: a new sign-in starts with no wrong codes and notes whether a
    code will be asked for."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(FAILURES_KEY, None)
        note_device(request, user)


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="campaign.twofactor.on_login")


def owed_step(request: HttpRequest) -> str | None:
    """The page of the step this session still owes ("two-factor:verify" or "two-factor:setup"),
    or None."""
    user = request.user
    if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]  # django-otp adds it
        return None
    # A session verified by a device that is gone (removed by an administrator) looks again.
    device = None if getattr(request, "_otp_device_was_set", False) else request.session.get(DEVICE_KEY)
    if device is None:
        device = note_device(request, user)
    if device:
        return "two-factor:verify"
    if must_use_second_factor(user):
        return "two-factor:setup"
    return None


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SecondFactorMiddleware:
    """After LoginRequiredMiddleware and django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Before anything reads request.user: OTPMiddleware forgets a device that is gone.
        request._otp_device_was_set = DEVICE_ID_SESSION_KEY in request.session
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        step = owed_step(request)
        if step is None:
            return None
        allowed = VERIFY_PAGES if step == "two-factor:verify" else SETUP_PAGES
        if request.resolver_match.view_name in allowed:
            return None
        # Only a page (GET) is worth coming back to once the step is done.
        next_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        return HttpResponseRedirect(with_next(reverse(step), next_url))
