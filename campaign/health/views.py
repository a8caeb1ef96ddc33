"""GET /healthz: each check's name and "ok" or "failing", as JSON or, when the client prefers
it, plain text; 200 when every check is ok, 503 otherwise.

It tells nothing else: no versions, host names, errors, timings or paths (the reasons of a
failure go to the log). No log-in, no cache, no redirect to https (SECURE_REDIRECT_EXEMPT);
nothing here touches the database in the request's own thread, so with the database down the
answer is still this view's 503. `?only=database,cache,storage` answers for those checks alone
(a load balancer's question, "can this server serve?": a stopped worker, which every server
reports alike, should not take them all out of service)."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaign.health.lanes import Check, run_checks

logger = logging.getLogger(__name__)

# Seconds the answer waits for the checks: below the usual 5 s of a load balancer's probe.
TIMEOUT = 2.0


def configured_checks() -> list[Check]:
    return [import_string(path)() for path in settings.HEALTH_CHECKS]


@login_not_required
@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    checks = configured_checks()
    wanted = {check.name for check in checks}
    only = request.GET.get("only")
    if only is not None:
        if not set(only.split(",")) <= wanted:
            return HttpResponseBadRequest()
        wanted = set(only.split(","))
    # A lane probes all its checks, so that requests at the same moment can share the probe.
    lanes = {check.lane for check in checks if check.name in wanted}
    reasons = run_checks([check for check in checks if check.lane in lanes], timeout=TIMEOUT)
    answered = {name: reason for name, reason in reasons.items() if name in wanted}
    failing = [f"{name}: {reason}" for name, reason in answered.items() if reason is not None]
    if failing:
        logger.warning("healthz failing: %s", "; ".join(failing))
    words = {name: "failing" if reason else "ok" for name, reason in answered.items()}
    response: HttpResponse
    if request.get_preferred_type(["application/json", "text/plain"]) == "text/plain":
        text = "".join(f"{name} {word}\n" for name, word in words.items())
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    else:
        response = JsonResponse(words)
    response.status_code = 503 if failing else 200
    patch_vary_headers(response, ["Accept"])
    return response
