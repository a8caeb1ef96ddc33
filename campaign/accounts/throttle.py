"""Login throttling: django-axes counts failed log-ins by account and address, by account alone
and by address alone; this module gives each count its own limit.

Axes compares the largest of its counts with one limit (AXES_FAILURE_LIMIT), and its maintainers
point to a handler of one's own for separate limits (jazzband/django-axes#661). The handler
below reports the count nearest its own limit, and AXES_FAILURE_LIMIT (`failure_limit`) that
count's limit, so axes' own test "failures >= limit" locks exactly when any count reaches its
limit. An office behind one NAT address gets a generous address limit; one person's typos
lock only that person at that address.

A good log-in resets only the count for that account at that address (axes would reset every
count the request matches: the address's too, so anyone with an account of their own could
wipe the count of their guesses at other people's). The history (axes' AccessFailureLog) is
never reset here.

The account count alone would let anyone lock any account, again and again, from addresses of
their own. It does not apply at an address (the throttle's, campaign.clientip.throttle_address)
from which the account logged in within USUAL_FOR (axes' AccessLog): there the owner still
logs in, and the count for the account at that address still holds.
"""

import datetime as dt
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username, get_cool_off
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# The setting that holds the limit of each count axes keeps (AXES_LOCKOUT_PARAMETERS).
LIMIT_SETTINGS = {
    ("username", "ip_address"): "LOGIN_PAIR_LIMIT",
    ("username",): "LOGIN_ACCOUNT_LIMIT",
    ("ip_address",): "LOGIN_ADDRESS_LIMIT",
}
ACCOUNT = ("username",)
# How long after a good log-in an address stays one of the account's usual addresses.
USUAL_FOR = dt.timedelta(days=30)


@dataclass(frozen=True)
class Count:
    failures: int
    limit: int
    rows: QuerySet[AccessAttempt]

    @property
    def reached(self) -> bool:
        return self.failures >= self.limit


def is_usual_address(username: str | None, address: str | None) -> bool:
    """Whether `username` logged in from `address` (a throttle address) within USUAL_FOR."""
    if not username or not address:
        return False
    return AccessLog.objects.filter(username=username, ip_address=address,
                                    attempt_time__gte=timezone.now() - USUAL_FOR).exists()


def _usual(request: Any, username: str | None) -> bool:
    # Asked several times a request (axes checks, counts, the lockout page): asked once.
    known = request.__dict__.setdefault("_usual_addresses", {})
    if username not in known:
        known[username] = is_usual_address(username, request.axes_ip_address)
    return known[username]


def _counts(request: Any, credentials: dict | None) -> list[Count]:
    """Each count that applies, within the cool-off, in one query (axes' handler would make one
    per count). `request` has been through axes (its axes_* attributes)."""
    username = get_client_username(request, credentials)
    parameters = [tuple(names) for names in settings.AXES_LOCKOUT_PARAMETERS]
    filters = [Q(**values) for values in get_client_parameters(
        username, request.axes_ip_address, request.axes_user_agent, request, credentials)]
    applying = [(rows, getattr(settings, LIMIT_SETTINGS[names]))
                for names, rows in zip(parameters, filters, strict=True)
                if names != ACCOUNT or not _usual(request, username)]
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    sums = recent.aggregate(**{
        f"count{n}": Sum("failures_since_start", filter=rows) for n, (rows, _) in enumerate(applying)})
    return [
        Count(failures=sums[f"count{n}"] or 0, limit=limit, rows=recent.filter(rows))
        for n, (rows, limit) in enumerate(applying)
    ]


def _nearest(request: HttpRequest, credentials: dict | None) -> Count:
    """The count nearest its limit (or furthest past it)."""
    return max(_counts(request, credentials), key=lambda count: count.failures - count.limit)


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """AXES_FAILURE_LIMIT: the limit of the count the handler reports."""
    return _nearest(request, credentials).limit


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit for each count and a good log-in resetting only
    its own account at its own address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        return _nearest(request, credentials).failures

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address).delete()
        return count


def retry_at(request: HttpRequest, credentials: dict | None) -> dt.datetime | None:
    """When every reached count is below its limit again, None when none is reached. A row
    (an account, an address and a browser) leaves its counts one cool-off after its last failure;
    adding rows from the newest, the one that reaches the limit is the one whose leaving ends it."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    moments = []
    for count in _counts(request, credentials):
        if not count.reached:
            continue
        total = 0
        # Every row holds at least one failure: the row that reaches the limit is among the first
        # `limit` rows.
        newest_first = count.rows.order_by("-attempt_time").values_list(
            "failures_since_start", "attempt_time")[:count.limit]
        for failures, attempt_time in newest_first:
            total += failures
            if total >= count.limit:
                moments.append(attempt_time + cool_off)
                break
    return max(moments, default=None)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the locked-out page, saying when to try again."""
    return render(request, "registration/locked_out.html",
                  {"retry_at": retry_at(request, credentials)}, status=HTTPStatus.TOO_MANY_REQUESTS)
