"""State that several app servers share: sessions and the report rate limit in Redis
(REDIS_URL), login failures in the database; and pages that answer when Redis fails.

The tests that need a Redis server read its address from REDIS_URL (skipped without it) and
write under a prefix of their own, which they delete afterwards: nothing else in that Redis
database is touched.
"""

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import redis
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_KEY_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from campaign import cache as campaign_cache
from campaign.cache import redis_caches
from tests import factories

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server: set REDIS_URL")
PREFIX = f"ct-test-{os.getpid()}"
CACHED_DB = "campaign.sessions"   # cached_db, copies capped at five minutes
PASSWORD = "pass-word-123"     # tests.factories.UserFactory's


def _use_redis(settings, url: str) -> None:
    """The production settings for REDIS_URL=url (campaign.settings)."""
    settings.CACHES = redis_caches(url, PREFIX)
    settings.SESSION_ENGINE = CACHED_DB


@pytest.fixture(autouse=True)
def _nothing_skipped():
    campaign_cache._skip_until.clear()
    yield
    campaign_cache._skip_until.clear()


@pytest.fixture
def shared_redis(settings):
    """REDIS_URL's Redis as the cache; the raw client to look into it. Only this test's keys
    are deleted afterwards."""
    _use_redis(settings, REDIS_URL)
    raw = redis.Redis.from_url(REDIS_URL)
    yield raw
    for key in raw.scan_iter(match=f"{PREFIX}:*"):
        raw.delete(key)
    raw.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _log_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    return client.cookies["sessionid"].value


def _report(client, address):
    return client.post(reverse("inspections:report-create"), {
        "description": "路灯不亮", "location": "东巷口", "photos": [factories.make_jpeg()]},
        REMOTE_ADDR=address)


# ---- with Redis ---------------------------------------------------------------------------

@needs_redis
def test_a_session_lives_in_redis_and_in_the_database(shared_redis):
    factories.UserFactory(username="wang")
    key = _log_in(Client(), "wang")
    cache_key = caches["default"].make_key(f"{SESSION_KEY_PREFIX}{key}")
    assert shared_redis.exists(cache_key) == 1
    # A copy lives at most five minutes (campaign.sessions: a logout the cache missed is bounded).
    assert 290 <= shared_redis.ttl(cache_key) <= 300
    assert Session.objects.filter(session_key=key).count() == 1
    # Another app server: another client that only has the cookie.
    other = Client()
    other.cookies["sessionid"] = key
    assert other.get(reverse("home")).status_code == 200
    # Redis restarted empty (or evicted the entry): still logged in, from the database, and the
    # session is back in Redis.
    shared_redis.delete(cache_key)
    assert other.get(reverse("home")).status_code == 200
    assert shared_redis.exists(cache_key) == 1
    # Logging out on one server logs out everywhere.
    other.post(reverse("logout"))
    assert shared_redis.exists(cache_key) == 0
    stale = Client()
    stale.cookies["sessionid"] = key
    assert stale.get(reverse("home")).status_code == 302


@needs_redis
def test_the_report_rate_limit_is_counted_in_redis(shared_redis, tree):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC), tick=False):
        assert _report(Client(), "10.0.0.7").status_code == 302     # filed: to its thanks page
        # The window is the hour since the epoch: 2026-03-01 09:00 UTC is hour 492,321.
        key = caches["counters"].make_key("report-rate:10.0.0.7:492321")
        assert shared_redis.get(key) == b"1"
        assert 3590 <= shared_redis.ttl(key) <= 3600
        # Nine more counted by other app servers: this one refuses the eleventh.
        shared_redis.incrby(key, 9)
        assert _report(Client(), "10.0.0.7").status_code == 429
        assert shared_redis.get(key) == b"11"


# ---- login failures: in the database, whichever server counted them ------------------------

def test_login_failures_are_counted_in_the_database(client, settings):
    factories.UserFactory(username="wang")
    client.post(reverse("login"), {"username": "wang", "password": "wrong"},
                REMOTE_ADDR="10.0.0.8")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "wang", "10.0.0.8", 1)
    # The other failures came through other app servers: they are rows here all the same.
    attempt.failures_since_start = settings.LOGIN_PAIR_LIMIT
    attempt.save()
    response = client.post(reverse("login"), {"username": "wang", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 429


# ---- Redis unreachable or hanging ----------------------------------------------------------

def test_with_redis_down_pages_answer_and_login_works(settings, tree, people, caplog):
    _use_redis(settings, f"redis://127.0.0.1:{_closed_port()}/2")
    item = factories.RectificationFactory(unit=tree["street_a"])
    client = Client()
    assert client.get(reverse("login")).status_code == 200
    key = _log_in(client, "coord")
    assert Session.objects.filter(session_key=key).count() == 1
    for url in (reverse("home"), reverse("inspections:rectification-list"),
                item.get_absolute_url(), reverse("inspections:ranking-list")):
        assert client.get(url).status_code == 200, url
    # Counted in this process meanwhile: a citizen can still report (each report redirects to its
    # thanks page), and the limit still holds.
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC), tick=False):
        statuses = [_report(Client(), "10.0.0.9").status_code for _ in range(11)]
    assert statuses == [302] * 10 + [429]
    assert "Redis unavailable: the cache is skipped for 10.0 s" in caplog.text
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


class _SilentServer:
    """A TCP server that accepts connections and never answers: a hanging Redis."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        self.socket.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def hanging_redis(settings):
    server = _SilentServer()
    _use_redis(settings, f"redis://127.0.0.1:{server.port}/2")
    yield server
    server.close()


def test_a_hanging_redis_costs_one_timeout_then_is_left_alone(hanging_redis):
    cache = caches["default"]
    started = time.monotonic()
    assert cache.get("a") is None
    first = time.monotonic() - started
    assert campaign_cache.SOCKET_TIMEOUT <= first < 2 * campaign_cache.SOCKET_TIMEOUT + 0.5
    started = time.monotonic()
    for name in "bcdefghij":
        assert cache.get(name) is None
        cache.set(name, 1)
    assert time.monotonic() - started < 0.1
    assert len(hanging_redis.connections) == 1
    with pytest.raises(redis.ConnectionError, match="Redis failed a moment ago"):
        caches["counters"].incr("x")


def test_redis_is_tried_again_after_the_pause(hanging_redis, monkeypatch):
    monkeypatch.setattr(campaign_cache, "SKIP_SECONDS", 0.0)
    cache = caches["default"]
    assert cache.get("a") is None
    assert cache.get("b") is None
    assert len(hanging_redis.connections) == 2


# ---- settings ---------------------------------------------------------------------------------

def _settings_with(**env) -> str:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['counters']['BACKEND'], "
            "settings.CACHES['default'].get('KEY_PREFIX'), settings.SESSION_ENGINE)")
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_CACHE_PREFIX")}
    result = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR,
                            capture_output=True, text=True,
                            env={**base, "DJANGO_SETTINGS_MODULE": "campaign.settings", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.django_db(transaction=False)
def test_redis_url_puts_the_cache_and_the_sessions_in_redis():
    redis_backend = "django_redis.cache.RedisCache"
    assert _settings_with(REDIS_URL="redis://10.0.0.5:6379/1", DJANGO_CACHE_PREFIX="city") == [
        redis_backend, redis_backend, "city", CACHED_DB]
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    assert _settings_with() == [locmem, locmem, "None", "django.contrib.sessions.backends.db"]
