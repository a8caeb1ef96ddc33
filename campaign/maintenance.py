"""Maintenance mode for upgrades: while settings.MAINTENANCE_FILE exists, every request but the
health check (/healthz, for the load balancer) gets the 503 maintenance page, and nothing reads
the database."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from campaign.errors import unavailable

HEALTH_CHECK_PATH = "/healthz"


def exempt(path: str) -> bool:
    return path == HEALTH_CHECK_PATH or path.startswith(HEALTH_CHECK_PATH + "/")


class MaintenanceModeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Looked up on each request (one stat), so `touch` and `rm` take effect at once in
        # every worker, with no restart.
        flag = settings.MAINTENANCE_FILE
        if flag is not None and flag.exists() and not exempt(request.path):
            return unavailable()
        return self.get_response(request)
