import os
import re
import subprocess
import sys

from django.conf import settings

from tests import servers


def _manage(*args, **env):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process setting, not production's.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True,
        text=True, env={**base, **env},
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-like-secret-for-the-deploy-check-0123456789",
    "DJANGO_ALLOWED_HOSTS": "chuangcheng.example.cn",
}


def test_check_deploy_is_clean_with_production_settings(collected_static):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                     DJANGO_STATIC_ROOT=str(collected_static))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_a_bad_boolean_setting_is_refused():
    result = _manage("check", DJANGO_DEBUG="perhaps")
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_seed_demo_refuses_without_debug():
    result = _manage("seed_demo", **PRODUCTION)
    assert result.returncode != 0
    assert "refuses to run with DJANGO_DEBUG off" in result.stderr


# ---- static files collected for production ----------------------------------------------------

MANIFEST_MISSING = (
    "Static files are not collected for production settings: {root}/staticfiles.json is missing")
COLLECT = "`DJANGO_DEBUG=0 .venv/bin/python manage.py collectstatic --noinput`"


def test_production_settings_refuse_to_serve_without_the_static_manifest(tmp_path):
    """Static files collected under debug settings (no manifest): gunicorn, runserver and check
    refuse, naming the command to run, where every page would otherwise be a 500."""
    root = tmp_path / "static"
    root.mkdir()
    port = servers.free_port()
    env = servers.production_env(port, DJANGO_STATIC_ROOT=str(root))
    missing = MANIFEST_MISSING.format(root=root)

    web = subprocess.run(servers.gunicorn(port), cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=60)
    assert web.returncode == 1
    assert f"Error: {missing}" in web.stderr and COLLECT in web.stderr
    assert "Traceback" not in web.stderr

    dev = servers.manage("runserver", "--noreload", f"127.0.0.1:{port}", env=env, timeout=60)
    assert dev.returncode == 1
    assert f"(campaign.E001) {missing}" in dev.stderr and COLLECT in dev.stderr

    check = servers.manage("check", env=env)
    assert check.returncode == 1 and f"(campaign.E001) {missing}" in check.stderr


def test_commands_that_serve_no_page_need_no_static_manifest(tmp_path):
    env = servers.production_env(servers.free_port(), DJANGO_STATIC_ROOT=str(tmp_path / "none"),
                                 DJANGO_SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    result = servers.manage("wait_for_db", env=env)
    assert result.returncode == 0, result.stderr


def test_debug_still_serves_static_files_after_a_production_collect(tmp_path, collected_static):
    """`make static` collects for production; `make run` (debug) serves from the same root."""
    port = servers.free_port()
    env = servers.clean_env(DJANGO_STATIC_ROOT=str(collected_static),
                            DJANGO_SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    command = [servers.PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with servers.serving(command, port=port, env=env, log=tmp_path / "log") as server:
        login = server.get("/accounts/login/")
        css = server.get("/static/campaign/site.css")
    assert login.status == 200 and 'href="/static/campaign/site.css"' in login.text
    assert css.status == 200 and "Campaign tracker" in css.text


def test_production_settings_on_plain_http_after_make_run(tmp_path, collected_static):
    """DJANGO_DEBUG=0 straight after `make run` (its collect), on the development server with no
    TLS proxy: DJANGO_PLAIN_HTTP=1 serves pages over http with cookies a browser sends back;
    without it, production sends the browser to https."""
    port = servers.free_port()
    env = servers.clean_env(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=servers.SECRET,
                            DJANGO_STATIC_ROOT=str(collected_static),
                            DJANGO_SQLITE_PATH=str(tmp_path / "db.sqlite3"), DJANGO_PLAIN_HTTP="1")
    assert servers.manage("migrate", "-v", "0", env=env).returncode == 0
    command = [servers.PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with servers.serving(command, port=port, env=env, log=tmp_path / "log") as server:
        login = server.get("/accounts/login/")
    assert login.status == 200
    cookie = login.headers["Set-Cookie"]
    assert cookie.startswith("csrftoken=") and "Secure" not in cookie
    assert "Strict-Transport-Security" not in login.headers
    port = servers.free_port()
    env["DJANGO_PLAIN_HTTP"] = "0"
    command[-1] = f"127.0.0.1:{port}"
    with servers.serving(command, port=port, env=env, log=tmp_path / "log2") as server:
        redirected = server.get("/accounts/login/")
    assert (redirected.status, redirected.headers["Location"]) == (
        301, f"https://127.0.0.1:{port}/accounts/login/")


def _database_settings(**env) -> str:
    code = ("from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS'])")
    result = servers.manage("shell", "-v", "0", "-c", code, env=servers.clean_env(**env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_database_connections_close_after_each_request_unless_told():
    url = "postgres://campaign@127.0.0.1:5432/campaign"
    assert _database_settings(DATABASE_URL=url) == "0 True {'connect_timeout': 5}"
    assert _database_settings(DATABASE_URL=url + "?connect_timeout=10", DJANGO_CONN_MAX_AGE="60") == (
        "60 True {'connect_timeout': 10}")


# ---- the production start -------------------------------------------------------------------------

def test_production_start_serves_pages_static_files_and_stops_on_sigterm(tmp_path):
    """deploy/serve as `make serve` runs it: static files collected, migrations applied, gunicorn
    with two workers; then stopped as systemd stops it."""
    port = servers.free_port()
    env = servers.production_env(
        port, PYTHON=servers.PYTHON, CAMPAIGN_WORKERS="2",
        DJANGO_SQLITE_PATH=str(tmp_path / "db.sqlite3"), DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    with servers.serving(["deploy/serve"], port=port, env=env, log=tmp_path / "log") as server:
        login = server.get("/accounts/login/")
        assert login.status == 200
        assert '<html lang="zh-hans">' in login.text and "<h1 class=\"h3 mb-3\">登录</h1>" in login.text
        stylesheet = re.search(r'href="(/static/campaign/site\.[0-9a-f]{12}\.css)"', login.text)
        assert stylesheet, login.text
        css = server.get(stylesheet.group(1))
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert "immutable" in css.headers["Cache-Control"]

        missing = server.get("/no-such-page/")
        assert missing.status == 404
        assert '<html lang="zh-hans">' in missing.text and "<h1 class=\"h3\">页面不存在</h1>" in missing.text
        assert 'id="error-page"' in missing.text

        assert server.stop() == 0
    log = server.output()
    assert f"database {tmp_path}/db.sqlite3 is up" in log      # deploy/serve waited for it
    assert "Shutting down: Master" in log and "Traceback" not in log
