import logging
import re
import shutil

import pytest
from django.db import OperationalError
from django.shortcuts import render
from django.test import Client
from django.urls import reverse

from campaign import errors
from tests import servers

NAV = 'id="mainnav"'


@pytest.fixture
def failing_urls(settings, client):
    settings.ROOT_URLCONF = "tests.campaign.error_urls"
    client.raise_request_exception = False   # answer as the server would, not re-raise
    return client


def test_missing_page_is_404_in_chinese_with_the_nav(client, people):
    client.force_login(people["staff"])
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="zh-hans">' in page and "<h1 class=\"h3\">页面不存在</h1>" in page
    assert NAV in page and "返回首页" in page


def test_missing_page_for_a_visitor_has_no_nav_and_follows_the_browser(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="en">' in page and "Page not found" in page
    assert NAV not in page


def test_refusal_is_403_in_chinese_with_the_nav(client, people):
    client.force_login(people["staff"])
    response = client.get(reverse("inspections:report-list"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1 class=\"h3\">没有权限</h1>" in page and NAV in page


def test_bad_request_is_400_in_chinese(client, db):
    response = client.get("/", HTTP_HOST="not-our-name.example")
    assert response.status_code == 400
    assert "<h1 class=\"h3\">请求有误</h1>" in response.content.decode()


def test_refused_form_is_403_saying_the_form_expired(people):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["staff"])
    response = strict.post(reverse("notifications:inbox"), {})
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1 class=\"h3\">表单已失效</h1>" in page and NAV in page


def test_generic_429_page_is_in_the_site_frame(rf, people):
    request = rf.get("/")
    request.user = people["staff"]
    response = render(request, "429.html", status=429)
    page = response.content.decode()
    assert response.status_code == 429
    assert "<h1 class=\"h3\">请求过于频繁</h1>" in page and NAV in page


def test_server_error_is_the_500_page_in_chinese(failing_urls):
    response = failing_urls.get("/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="zh-hans">' in page and "<h1 class=\"h3\">服务器出了点问题</h1>" in page


@pytest.mark.django_db
def test_database_error_is_the_503_maintenance_page_logged_once(failing_urls, caplog):
    with caplog.at_level(logging.INFO):
        response = failing_urls.get("/database-down/")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert '<html lang="zh-hans">' in page and "<h1 class=\"h3\">维护中</h1>" in page
    assert [(record.name, record.levelname, record.getMessage()) for record in caplog.records] == [(
        "campaign.errors", "ERROR",
        'Database unavailable, answered 503 to GET /database-down/: OperationalError: connection '
        'failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused Is the '
        'server running on that host and accepting TCP/IP connections?',
    )]
    assert caplog.records[0].exc_info is None


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/not-migrated/", "/deadlock/"])
def test_a_database_error_that_is_no_outage_stays_a_500_with_its_traceback(failing_urls, caplog,
                                                                           path):
    with caplog.at_level(logging.INFO):
        response = failing_urls.get(path)
    assert response.status_code == 500
    assert "服务器出了点问题" in response.content.decode()
    assert [record.name for record in caplog.records] == ["django.request"]
    assert caplog.records[0].exc_info is not None


@pytest.mark.django_db
def test_database_error_underneath_another_is_503_in_english_when_asked(failing_urls):
    response = failing_urls.get("/database-down-underneath/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "<h1 class=\"h3\">Under maintenance</h1>" in response.content.decode()


@pytest.mark.parametrize("error, status", [(OperationalError("gone"), 503), (ValueError("bug"), 500)])
def test_500_and_503_pages_read_nothing_from_the_database(rf, people, django_assert_num_queries,
                                                          error, status):
    request = rf.get("/")
    request.user = people["staff"]
    with django_assert_num_queries(0):
        try:
            raise error
        except Exception:
            response = errors.server_error(request)
    assert response.status_code == status
    assert NAV not in response.content.decode()


# ---- a real outage, in a real server ------------------------------------------------------------

STALE_SESSION = "sessionid=stale0000000000000000000000000000"


def test_missing_database_answers_503_then_recovers_on_its_own(tmp_path, collected_static):
    """SQLite in a directory that is not there yet (as a database on an unmounted disk): every
    page that reads the database is the maintenance page; once the database is back, the pages
    are, with no restart."""
    ready = tmp_path / "ready"
    ready.mkdir()
    made = servers.manage("migrate", "--noinput", "-v0", env=servers.clean_env(
        DJANGO_SQLITE_PATH=str(ready / "db.sqlite3")))
    assert made.returncode == 0, made.stderr
    live = tmp_path / "live"
    port = servers.free_port()
    env = servers.production_env(port, DJANGO_STATIC_ROOT=str(collected_static),
                                 DJANGO_SQLITE_PATH=str(live / "db.sqlite3"), CAMPAIGN_WORKERS="1")
    with servers.serving(servers.gunicorn(port), port=port, env=env, log=tmp_path / "log") as server:
        # The login page asks whether the visitor is signed in: a session read.
        down = server.get("/accounts/login/", Cookie=STALE_SESSION)
        assert down.status == 503 and down.headers["Retry-After"] == "60"
        assert '<html lang="zh-hans">' in down.text and "维护中" in down.text
        assert re.search(r'href="/static/vendor/bootstrap/css/bootstrap\.min\.[0-9a-f]{12}\.css"',
                         down.text)
        english = server.get("/accounts/login/", Cookie=STALE_SESSION, **{"Accept-Language": "en"})
        assert english.status == 503 and "Under maintenance" in english.text

        shutil.move(ready, live)
        up = server.get("/accounts/login/", Cookie=STALE_SESSION)
        assert up.status == 200 and 'name="password"' in up.text
        log = server.output()
    outages = [line for line in log.splitlines() if "Database unavailable" in line]
    assert outages == [
        "Database unavailable, answered 503 to GET /accounts/login/: OperationalError: unable to "
        "open database file"] * 2
    assert "Traceback" not in log and "Service Unavailable" not in log


def test_unreachable_postgres_answers_503(tmp_path, collected_static):
    """A PostgreSQL server that is not there (a port where nothing listens): no server needed."""
    port, nothing = servers.free_ports(2)
    env = servers.production_env(
        port, DJANGO_STATIC_ROOT=str(collected_static), CAMPAIGN_WORKERS="1",
        DATABASE_URL=f"postgres://campaign@127.0.0.1:{nothing}/campaign")
    with servers.serving(servers.gunicorn(port), port=port, env=env, log=tmp_path / "log") as server:
        down = server.get("/accounts/login/", Cookie=STALE_SESSION)
        assert down.status == 503 and "维护中" in down.text
        log = server.output()
    assert (f'Database unavailable, answered 503 to GET /accounts/login/: OperationalError: '
            f'connection failed: connection to server at "127.0.0.1", port {nothing} failed: '
            f'Connection refused') in log
    assert "Traceback" not in log


@pytest.mark.postgres
def test_postgres_refusing_connections_gives_503_until_it_accepts_them_again(
        tmp_path, collected_static, server_database):
    """As in production (a kept connection per worker, checked before reuse): the database
    restarts and refuses connections for a while; the kept connection is gone. Pages are the
    maintenance page meanwhile, and come back by themselves."""
    from psycopg import sql

    port = servers.free_port()
    env = servers.production_env(port, DJANGO_STATIC_ROOT=str(collected_static),
                                 CAMPAIGN_WORKERS="1", DJANGO_CONN_MAX_AGE="60",
                                 DATABASE_URL=server_database.url)
    database = sql.Identifier(server_database.name)
    with servers.serving(servers.gunicorn(port), port=port, env=env, log=tmp_path / "log") as server:
        assert server.get("/accounts/login/", Cookie=STALE_SESSION).status == 200
        assert server_database.connections() == 1
        try:
            server_database.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(database))
            server_database.admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [server_database.name])
            down = server.get("/accounts/login/", Cookie=STALE_SESSION)
            assert down.status == 503 and "维护中" in down.text
        finally:
            server_database.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(database))
        up = server.get("/accounts/login/", Cookie=STALE_SESSION)
        assert up.status == 200 and 'name="password"' in up.text
        log = server.output()
    assert "Traceback" not in log
