import datetime as dt
import os
import threading

import pytest
import time_machine
from django.core.cache import caches
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import testcases

from campaign.cache import local_caches
from tests import factories
from tests.s3 import moto_endpoint, s3_storage  # noqa: F401 (fixtures for every test)

# CAMPAIGN_TEST_SHIFT_DAYS=400 runs the suite with the clock that many days ahead (negative: back),
# still ticking, so a test that silently depends on the day it runs fails today rather than next
# year. Tests that pin the clock themselves travel on top of it (time-machine nests travels).
# It moves the Python clock only: the app never asks the database for the time.
SHIFT_ENV = "CAMPAIGN_TEST_SHIFT_DAYS"
_shift: time_machine.travel | None = None


# Held by the live server while it answers one request on SQLite's shared connection; a browser
# test waits on it after closing its browser, so a request still being answered never meets the
# database flush at the test's end.
LIVE_SERVER_LOCK = threading.Lock()


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server of the browser tests, handling one request at a time when its threads
    share the test's database connection (SQLite in memory: pytest-django hands the one
    connection to every request thread). Two requests at once on one SQLite connection (a page
    and its background fetches) fail with "database table is locked"; on PostgreSQL each thread
    has its own connection and requests stay concurrent, as in production."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, connections_override=connections_override, **kwargs)
        self.serialized = bool(connections_override)

    def set_app(self, application):
        if not self.serialized:
            return super().set_app(application)
        def one_at_a_time(environ, start_response):
            with LIVE_SERVER_LOCK:
                # The whole body is made, and the response closed (request_finished), under the
                # lock: a streamed page reads the database too.
                response = application(environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()

        return super().set_app(one_at_a_time)


testcases.LiveServerThread.server_class = OneRequestAtATimeServer


def pytest_configure(config):
    global _shift
    raw = os.environ.get(SHIFT_ENV, "").strip()
    if not raw:
        return
    try:
        days = int(raw)
    except ValueError:
        raise pytest.UsageError(f"{SHIFT_ENV} must be a whole number of days, not {raw!r}") from None
    _shift = time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True)
    _shift.start()


def pytest_unconfigure(config):
    global _shift
    if _shift is not None:
        _shift.stop()
        _shift = None


def pytest_report_header(config):
    if _shift is not None:
        return f"clock shifted by {SHIFT_ENV}: now is {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, request):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "zh-hans"
    # Each process's own memory, whatever REDIS_URL says: the suite reads the same with or without
    # a Redis server (tests/campaign/test_cache.py uses REDIS_URL's under a prefix of its own).
    settings.CACHES = local_caches()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # Live figures exact for every reader: a test of what a change does reads it at once
    # (tests/inspections/test_live.py tests the lag allowed in production).
    settings.LIVE_FIGURES_LAG = 0
    # Coordinators and administrators need not set up two-step verification unless the test says
    # @pytest.mark.two_factor_required: the suite logs them in with a password only. Whoever has
    # set up an app is asked for its code either way.
    settings.TWO_FACTOR_REQUIRED = request.node.get_closest_marker("two_factor_required") is not None
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory()


@pytest.fixture
def tree(campaign):
    """city → two districts → one street each → one lane office under street A."""
    city = factories.UnitFactory(campaign=campaign, parent=None, kind="headquarters", name="市指挥部")
    district_a = factories.UnitFactory(parent=city, kind="district", name="甲区")
    district_b = factories.UnitFactory(parent=city, kind="district", name="乙区")
    street_a = factories.UnitFactory(parent=district_a, kind="street", name="甲街道")
    street_b = factories.UnitFactory(parent=district_b, kind="street", name="乙街道")
    lane_a = factories.UnitFactory(parent=street_a, kind="lane_office", name="甲巷长办公室")
    return {
        "city": city, "district_a": district_a, "district_b": district_b,
        "street_a": street_a, "street_b": street_b, "lane_a": lane_a,
    }


@pytest.fixture
def member(db):
    """member(unit, role) → a user holding that role in that unit."""

    def make(unit, role="unit_staff", **fields):
        user = factories.UserFactory(**fields)
        factories.MembershipFactory(user=user, unit=unit, role=role)
        return user

    return make


@pytest.fixture
def people(tree, member):
    """A city coordinator and inspector, street A's staff (two), a leader over district A,
    and street B's staff."""
    coordinator = member(tree["city"], "coordinator", username="coord")
    inspector = member(tree["city"], "inspector", username="insp")
    staff = member(tree["street_a"], "unit_staff", username="staff")
    staff_two = member(tree["street_a"], "unit_staff", username="staff2")
    other_staff = member(tree["street_b"], "unit_staff", username="other")
    leader = member(tree["district_a"], "leader", username="leader")
    return {"coordinator": coordinator, "inspector": inspector, "staff": staff,
            "staff_two": staff_two, "other_staff": other_staff, "leader": leader}
