"""The error pages Django's own handlers do not cover: the 500 page, which becomes the 503
maintenance page when the database is out, and the refused-form (CSRF) page.

400, 403, 404 and 429 are templates in the site's frame (error_base.html, with the nav for a
signed-in person), rendered by Django's default handlers. 500 and 503 come from
error_plain_base.html, rendered without the request: no context processor runs, so nothing is
read from the database that may be what failed.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# What a client (or nginx, or a monitor) is told to wait before asking again.
RETRY_AFTER_SECONDS = 60

# The errors Django raises when it cannot reach or keep a connection to the database: the
# server is down or restarting, the network is cut, the database is renamed or refuses
# connections. They are worth a retry, hence a 503 rather than a 500.
DATABASE_DOWN = (OperationalError, InterfaceError)
# OperationalError covers more than that: a deadlock, a statement timeout, a missing table (an
# install not migrated) are bugs or operators' mistakes, and must stay 500s with their traceback.
# What the driver says (Django raises its error from the driver's) tells them apart. PostgreSQL:
# no SQLSTATE (libpq could not connect or lost the connection), class 08 (connection
# exception), 57P01–57P03 (the server shutting down or starting), class 53 (insufficient
# resources: too many connections, disk full, out of memory). SQLite: the file cannot be opened
# or read, or another process holds the write lock past the timeout.
POSTGRES_DOWN_STATES = ("08", "53", "57P01", "57P02", "57P03")
SQLITE_DOWN_MESSAGES = ("unable to open database file", "disk I/O error", "database is locked")


def database_outage(error: BaseException | None) -> BaseException | None:
    """The database error behind `error` (itself, or one it was raised from or while handling)
    when it says the database cannot be reached, or None."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_DOWN):
            return error if _unreachable(error) else None
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _unreachable(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):
        return True            # the connection is closed or unusable
    driver = error.__cause__
    if driver is None:
        return True            # nothing more is known: worth a retry
    if type(driver).__module__.startswith("psycopg"):
        state = getattr(driver, "sqlstate", None)
        return state is None or state.startswith(POSTGRES_DOWN_STATES)
    if type(driver).__module__ == "sqlite3":
        return str(driver).startswith(SQLITE_DOWN_MESSAGES)
    return True


def one_line(error: BaseException) -> str:
    """The error's message on one line (psycopg's span several)."""
    return " ".join(str(error).split()) or type(error).__name__


def unavailable() -> HttpResponse:
    """The 503 maintenance page: a database outage or maintenance mode (campaign.maintenance)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Django logs every 5xx response as an error ("Service Unavailable: /path"), an outage's with
    # the whole traceback. Planned maintenance is no error, and an outage gets one clear line
    # (server_error); Django skips a response marked as logged. The access log keeps each 503.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it for any exception a view or a middleware lets through (the
    sessions' and authentication's included), while that exception is being handled."""
    outage = database_outage(sys.exc_info()[1])
    if outage is None:
        return HttpResponseServerError(render_to_string("500.html"))
    logger.error("Database unavailable, answered 503 to %s %s: %s: %s", request.method,
                 request.path, type(outage).__name__, one_line(outage))
    return unavailable()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the site's 403 page saying what to do (the CSRF middleware has logged
    the reason)."""
    return render(request, "403_csrf.html", status=403)
