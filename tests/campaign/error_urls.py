"""The site's URLs plus views that fail, for the 500 and 503 pages (tests/campaign/test_errors.py)."""

import sqlite3

import psycopg
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import path

from campaign import urls

REFUSED = ('connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection '
           'refused\n\tIs the server running on that host and accepting TCP/IP connections?')


def forbidden(request):
    raise PermissionDenied


@login_not_required
def broken(request):
    raise ValueError("a bug")


@login_not_required
def database_down(request):
    # As Django raises it: its own error from the driver's (connection refused: no SQLSTATE).
    raise OperationalError(REFUSED) from psycopg.OperationalError(REFUSED)


@login_not_required
def not_migrated(request):
    raise OperationalError("no such table: campaign_campaign") from sqlite3.OperationalError(
        "no such table: campaign_campaign")


@login_not_required
def deadlock(request):
    raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected(
        "deadlock detected")


@login_not_required
def database_down_underneath(request):
    try:
        raise OperationalError(REFUSED)
    except OperationalError as error:
        raise RuntimeError("while reading the month") from error


urlpatterns = [
    path("forbidden/", forbidden),
    path("broken/", broken),
    path("database-down/", database_down),
    path("not-migrated/", not_migrated),
    path("deadlock/", deadlock),
    path("database-down-underneath/", database_down_underneath),
    *urls.urlpatterns,
]
handler500 = urls.handler500
