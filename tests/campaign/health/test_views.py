"""GET /healthz: the answer, its headers, and each check failing for real (no mocks): a waiting
task, a cache at a closed port, a cache that hangs, an S3 server, a database that is down."""

import datetime as dt
import json
import re
import socket
import time

import pytest
import time_machine
from django.db import connections

from campaign.health import lanes
from campaign.health.views import TIMEOUT
from campaign.notifications.jobs import deliver
from tests.campaign.test_deploy import PRODUCTION, _manage

# The checks run on the lanes' threads, with their own database connection: what a test
# writes must be committed to be seen.
pytestmark = pytest.mark.django_db(transaction=True)


def _close_connections() -> lanes.Reasons:
    connections.close_all()
    return {}


@pytest.fixture(autouse=True)
def _database_lane_lets_go():
    """The lanes' threads live on from test to test; the database lane's connection must not
    (kept under CONN_MAX_AGE, it would stop the test database from being dropped)."""
    yield
    database = lanes.lane("database")
    for _attempt in range(2):  # the first may join a probe under way instead
        future, _started = database.submit(_close_connections)
        future.result(timeout=10)


ALL_OK = {"database": "ok", "cache": "ok", "storage": "ok", "worker": "ok", "supervision": "ok"}
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_cache(port: int) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{port}/3"}}


def test_all_ok_is_200_and_names_each_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == (b'{"database": "ok", "cache": "ok", "storage": "ok", '
                                b'"worker": "ok", "supervision": "ok"}')
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert "Accept" in response["Vary"]


def test_plain_text_when_the_client_prefers_it(client):
    response = client.get("/healthz", headers={"Accept": "text/plain"})
    assert response.status_code == 200
    assert response.content == b"database ok\ncache ok\nstorage ok\nworker ok\nsupervision ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_anonymous_access_needs_no_login_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.cookies == {}


def test_get_and_head_only(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert client.put("/healthz").status_code == 405


def test_only_runs_the_checks_named(client):
    response = client.get("/healthz?only=database,cache,storage")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "storage": "ok"}
    assert client.get("/healthz?only=database,disk").status_code == 400
    assert client.get("/healthz?only=").status_code == 400


def test_local_disk_keeps_nothing_of_the_check(client, settings):
    assert client.get("/healthz?only=storage").status_code == 200
    assert list(settings.MEDIA_ROOT.iterdir()) == []


def test_a_task_waiting_longer_than_the_limit_is_503_naming_the_worker(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TASK_MAX_WAIT = dt.timedelta(minutes=5)
    with time_machine.travel(T0, tick=False) as clock:
        deliver.enqueue(1)
        clock.move_to(T0 + dt.timedelta(minutes=5))
        assert client.get("/healthz").status_code == 200
        clock.move_to(T0 + dt.timedelta(minutes=5, seconds=1))
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "worker": "failing"}


def test_a_stale_supervision_loop_is_503_naming_it(client, settings):
    from inspections.models import SupervisionRun
    from tests import factories

    settings.SUPERVISE_EVERY = dt.timedelta(minutes=5)
    SupervisionRun.objects.create(campaign=factories.CampaignFactory(), started_at=T0, finished_at=T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "supervision": "failing"}


def test_a_cache_at_a_closed_port_is_503_naming_the_cache(client, settings, caplog):
    settings.CACHES = redis_cache(closed_port())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == (b'{"database": "ok", "cache": "failing", "storage": "ok", '
                                b'"worker": "ok", "supervision": "ok"}')
    text = client.get("/healthz", headers={"Accept": "text/plain"})
    assert text.content == b"database ok\ncache failing\nstorage ok\nworker ok\nsupervision ok\n"
    # The reason is in the server's log, and only there.
    (logged, _again) = [r.getMessage() for r in caplog.records if r.name == "campaign.health.views"]
    assert logged.startswith("healthz failing: cache: ConnectionError: Error 111 connecting to")
    assert b"111" not in response.content + text.content


def test_a_cache_that_hangs_fails_within_the_timeout(client, settings, caplog):
    """A server that takes the connection and never answers: the answer comes after TIMEOUT,
    and while the lane is stuck in that probe the next answers come at once."""
    silent = socket.create_server(("127.0.0.1", 0))  # never accepts: the kernel queues, nobody reads
    settings.CACHES = redis_cache(silent.getsockname()[1])
    try:
        started = time.monotonic()
        first = client.get("/healthz")
        waited = time.monotonic() - started
        assert first.status_code == 503
        assert first.json() == {**ALL_OK, "cache": "failing"}
        assert TIMEOUT <= waited < TIMEOUT + 1
        started = time.monotonic()
        second = client.get("/healthz?only=cache")
        assert time.monotonic() - started < 0.5
        assert second.json() == {"cache": "failing"}
        reasons = [r.getMessage() for r in caplog.records if r.name == "campaign.health.views"]
        assert len(reasons) == 2
        assert all(re.fullmatch(r"healthz failing: cache: no answer in \d+ s \(timeout 2 s\)", reason)
                   for reason in reasons)
    finally:
        silent.close()  # the stuck probe gets its error and the lane is free again
    deadline = time.monotonic() + 30
    while lanes.lane("cache").busy and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not lanes.lane("cache").busy


def test_https_redirect_spares_healthz(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_s3_storage(client, settings):
    """On an S3 server (moto's), as with django-storages: the bucket answers, nothing written."""
    pytest.importorskip("storages")
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.moto_server.threaded_moto_server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        options = {"bucket_name": "photos", "endpoint_url": f"http://{host}:{port}",
                   "access_key": "test", "secret_key": "test", "region_name": "us-east-1"}
        s3 = boto3.client("s3", endpoint_url=options["endpoint_url"], aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}
        missing = client.get("/healthz?only=storage")
        assert (missing.status_code, missing.json()) == (503, {"storage": "failing"})
        s3.create_bucket(Bucket="photos")
        response = client.get("/healthz?only=storage")
        assert (response.status_code, response.json()) == (200, {"storage": "ok"})
        # Nothing written: a versioned bucket keeps no probe's versions or delete markers.
        s3.put_bucket_versioning(Bucket="photos", VersioningConfiguration={"Status": "Enabled"})
        for _probe in range(3):
            assert client.get("/healthz?only=storage").status_code == 200
        versions = s3.list_object_versions(Bucket="photos")
        assert (versions.get("Versions", []), versions.get("DeleteMarkers", [])) == ([], [])
    finally:
        server.stop()


def test_database_down_is_503_under_production_settings_over_plain_http(tmp_path):
    """A real outage (PostgreSQL at a closed port), production settings, no https: /healthz
    answers its own 503 (not a 500, not the log-in page, not a redirect to https)."""
    script = (
        "import json; from django.test import Client; "
        "c = Client(headers={'Host': 'chuangcheng.example.cn'}); "
        "r = c.get('/healthz'); login = c.get('/accounts/login/'); "
        "print(json.dumps([r.status_code, r.content.decode(), login.status_code, login['Location']]))"
    )
    result = _manage("shell", "-v0", "-c", script, **PRODUCTION,
                     DATABASE_URL=f"postgres://campaign@127.0.0.1:{closed_port()}/campaign",
                     DJANGO_MEDIA_ROOT=str(tmp_path / "media"))
    assert result.returncode == 0, result.stderr
    status, body, login_status, login_location = json.loads(result.stdout.splitlines()[-1])
    assert (status, json.loads(body)) == (503, {
        "database": "failing", "cache": "ok", "storage": "ok", "worker": "failing",
        "supervision": "failing"})
    assert (login_status, login_location) == (301, "https://chuangcheng.example.cn/accounts/login/")
    # The reasons are logged on the server (stderr), never answered.
    assert "healthz failing: database: OperationalError: connection failed" in result.stderr
    assert "; worker: OperationalError" in result.stderr
    assert "; supervision: OperationalError" in result.stderr
    assert "Connection refused" in result.stderr
    assert "Connection refused" not in body
