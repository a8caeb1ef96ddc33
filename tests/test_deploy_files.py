"""The shipped deployment files (deploy/systemd/, deploy/nginx/, deploy/backup-nightly,
deploy/manage) parse and agree with the app: nginx -t accepts the site, systemd-analyze the
units, every command they run exists in the repository, and the limits they state are the
settings' own.

nginx and systemd-analyze are Debian packages: a test that needs one is skipped without it.
"""

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from inspections.forms import MAX_REPORT_PHOTOS

ROOT = Path(settings.BASE_DIR)
SYSTEMD = ROOT / "deploy" / "systemd"
SITE = ROOT / "deploy" / "nginx" / "campaign.conf"
# Where the units expect the checkout; the tests read it as this repository.
INSTALL_DIR = "/srv/campaign"
ENV_FILE = "/etc/campaign/campaign.env"
# Commands other parts of issue 13 add (agreed names); until they are merged here, a unit that
# runs one is checked for everything but the command's existence.
ADDED_ELSEWHERE = {"wait_for_db", "backup"}
MB = 1024 * 1024


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values in order]}} (keys may repeat, as ExecStartPre)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: {line!r} before any section"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


UNITS = {path.name: parse_unit(path) for path in sorted(SYSTEMD.iterdir())}
SERVICES = {name: unit for name, unit in UNITS.items() if name.endswith(".service")}


def gunicorn_config() -> dict:
    """deploy/gunicorn.conf.py as gunicorn reads it, with none of its variables set."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CAMPAIGN_")}
    try:
        return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    finally:
        os.environ.update(saved)


# ---- systemd ------------------------------------------------------------------------------------

def test_the_expected_units_are_shipped():
    assert sorted(UNITS) == [
        "campaign-backup.service", "campaign-backup.timer", "campaign-supervise.service",
        "campaign-supervise.timer", "campaign-web.service", "campaign-web.socket",
        "campaign-worker.service",
    ]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_runs_as_the_app_user_with_the_env_file(name):
    service = SERVICES[name]["Service"]
    assert service["User"] == ["campaign"]
    assert service["WorkingDirectory"] == [INSTALL_DIR]
    assert service["EnvironmentFile"] == [ENV_FILE]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["PrivateTmp"] == ["yes"]
    # Photos and the SQLite file live in the state directory, the one place it may write.
    assert service["StateDirectory"] == ["campaign"]
    defaults = " ".join(service["Environment"])
    assert "DJANGO_MEDIA_ROOT=/var/lib/campaign/media" in defaults
    assert "DJANGO_SQLITE_PATH=/var/lib/campaign/db.sqlite3" in defaults
    # The long-running ones keep their connections (deploy/serve sets the same).
    if name in ("campaign-web.service", "campaign-worker.service"):
        assert "DJANGO_CONN_MAX_AGE=60" in defaults


def exec_lines():
    for name, unit in SERVICES.items():
        for key in ("ExecStartPre", "ExecStart", "ExecReload", "ExecStop"):
            for line in unit["Service"].get(key, []):
                yield name, key, line.lstrip("-@:+!")


@pytest.mark.parametrize(("name", "key", "line"), list(exec_lines()))
def test_every_command_exists_in_the_repository(name, key, line):
    program, *args = line.split()
    assert program.startswith(INSTALL_DIR + "/"), f"{name} {key}: {program} is outside the checkout"
    local = ROOT / program.removeprefix(INSTALL_DIR + "/")
    assert local.exists() and os.access(local, os.X_OK), f"{name} {key}: {local} is not executable"
    if args[:1] == ["-c"]:
        assert (ROOT / args[1]).is_file(), f"{name} {key}: no {args[1]}"
    if args[:1] == ["manage.py"]:
        command = args[1]
        if command in ADDED_ELSEWHERE and command not in get_commands():
            pytest.skip(f"manage.py {command} is added by another part of issue 13")
        assert command in get_commands(), f"{name} {key}: no manage.py {command}"


def test_the_web_service_takes_its_port_from_the_socket_and_matches_nginx():
    web = SERVICES["campaign-web.service"]
    assert web["Unit"]["Requires"] == ["campaign-web.socket"]
    assert web["Service"]["ExecStart"] == [
        f"{INSTALL_DIR}/.venv/bin/gunicorn -c deploy/gunicorn.conf.py campaign.wsgi"]
    # A restart, never a reload: with preload_app a HUP would keep the old code (see the unit).
    assert gunicorn_config()["preload_app"] is True
    assert "ExecReload" not in web["Service"]
    # The master finishes the requests in flight before systemd kills anything.
    assert web["Service"]["KillMode"] == ["mixed"]
    assert int(web["Service"]["TimeoutStopSec"][0]) > gunicorn_config()["graceful_timeout"]
    listen = UNITS["campaign-web.socket"]["Socket"]["ListenStream"]
    assert listen == [gunicorn_config()["bind"]] == ["127.0.0.1:8000"]
    assert "server 127.0.0.1:8000;" in SITE.read_text()


def test_the_timers_start_their_services():
    assert UNITS["campaign-supervise.timer"]["Timer"]["OnCalendar"] == ["*:0/5"]
    assert SERVICES["campaign-supervise.service"]["Service"]["Type"] == ["oneshot"]
    assert SERVICES["campaign-backup.service"]["Service"]["Type"] == ["oneshot"]
    assert UNITS["campaign-backup.timer"]["Timer"]["Persistent"] == ["true"]
    assert SERVICES["campaign-worker.service"]["Service"]["ExecStart"] == [
        f"{INSTALL_DIR}/.venv/bin/python manage.py db_worker --interval 5 --no-reload"]


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # The units as installed in this checkout: systemd-analyze checks every command exists.
    for name in UNITS:
        text = (SYSTEMD / name).read_text().replace(INSTALL_DIR, str(ROOT))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(tmp_path / name) for name in UNITS)],
        capture_output=True, text=True, timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# ---- nginx --------------------------------------------------------------------------------------

def nginx_test(tmp_path: Path, site: str) -> subprocess.CompletedProcess:
    """`nginx -t` on a minimal main config that includes the site, with a self-signed
    certificate where the site names its own."""
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=campaign.example.gov.cn", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    site = (site.replace("/etc/ssl/campaign/fullchain.pem", str(cert))
            .replace("/etc/ssl/campaign/privkey.pem", str(key)))
    (tmp_path / "campaign.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/campaign.conf;
}}
""")
    return subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )


def test_nginx_accepts_the_site(tmp_path):
    result = nginx_test(tmp_path, SITE.read_text())
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_nginx_accepts_the_two_app_server_variant(tmp_path):
    text = SITE.read_text()
    one = "upstream campaign_app {\n    server 127.0.0.1:8000;\n}\n"
    two = re.search(r"# upstream campaign_app \{\n(?:#.*\n)*?# \}\n", text)
    assert one in text and two is not None
    variant = text.replace(one, "").replace(
        two.group(0), "\n".join(line.removeprefix("# ") for line in two.group(0).splitlines()) + "\n")
    result = nginx_test(tmp_path, variant)
    assert result.returncode == 0, result.stderr


def directive(name: str, text: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", text, flags=re.MULTILINE)


def test_the_upload_limits_are_the_apps_own():
    text = SITE.read_text()
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    largest = settings.DATA_UPLOAD_MAX_NUMBER_FILES * settings.PHOTO_MAX_BYTES + fields
    public = MAX_REPORT_PHOTOS * settings.PHOTO_MAX_BYTES + fields
    assert (largest // MB, public // MB) == (1510, 100)
    assert directive("client_max_body_size", text) == [f"{largest // MB}m", f"{public // MB}m"]
    assert re.search(r"location = /report/ \{\s*client_max_body_size 100m;", text)


def test_nginx_waits_as_long_as_gunicorn():
    text = SITE.read_text()
    timeout = gunicorn_config()["timeout"]
    assert timeout == 60
    assert directive("proxy_read_timeout", text) == directive("proxy_send_timeout", text) == [
        f"{timeout}s"]


def test_nginx_limits_the_passwords_sent_to_both_log_in_pages():
    text = SITE.read_text()
    assert re.search(r"map \$request_method \$login_limit_key \{\s*POST\s+\$binary_remote_addr;"
                     r"\s*default\s+\"\";\s*\}", text)
    assert directive("limit_req_zone", text) == [
        "$login_limit_key zone=campaign_login:10m rate=60r/m"]
    for path in ("/accounts/login/", "/admin/login/"):
        block = re.search(rf"location = {path} \{{([^}}]*)\}}", text)
        assert block is not None, path
        assert directive("limit_req", block.group(1)) == ["zone=campaign_login burst=30 nodelay"]
        assert directive("limit_req_status", block.group(1)) == ["429"]
        assert directive("proxy_pass", block.group(1)) == ["http://campaign_app"]


def test_nginx_serves_no_file_and_passes_the_client_as_it_saw_it():
    text = SITE.read_text()
    # No root or alias anywhere: /static/ comes from whitenoise, /media/ from nobody.
    assert directive("root", text) == directive("alias", text) == []
    assert "X-Forwarded-Proto $scheme" in text
    assert "X-Forwarded-For $remote_addr" in text
    assert directive("return", text) == ["301 https://$host$request_uri"]


# ---- scripts ------------------------------------------------------------------------------------

FAKE_BACKUP = """#!/bin/sh
# manage.py backup --output DIR, as the tests need it: makes DIR, or fails when FAIL is set.
[ "$2 $3" = "backup --output" ] || exit 3
[ -z "${FAIL:-}" ] || exit 1
mkdir "$4" && echo dump > "$4/db.dump"
"""


def backup_nightly(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_BACKUP)
    fake.chmod(0o755)
    return subprocess.run(
        [str(ROOT / "deploy" / "backup-nightly"), str(tmp_path / "backups")],
        capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ["PATH"], "PYTHON": str(fake), **env},
    )


def aged(path: Path, days: float) -> Path:
    path.mkdir(parents=True)
    # From the file system's clock, which `find -mtime` in the script reads (this process's
    # time.time() may be moved: CAMPAIGN_TEST_SHIFT_DAYS).
    then = path.stat().st_mtime - days * 86400
    os.utime(path, (then, then))
    return path


def test_backup_nightly_keeps_the_last_days_and_nothing_else_is_touched(tmp_path):
    backups = tmp_path / "backups"
    old = aged(backups / "2020-01-01T023000", 15)
    edge = aged(backups / "2020-01-02T023000", 13.5)
    mine = aged(backups / "keep-me", 40)
    result = backup_nightly(tmp_path, CAMPAIGN_BACKUP_KEEP_DAYS="14")
    assert result.returncode == 0, result.stderr
    made = [p for p in backups.iterdir() if p not in (edge, mine)]
    assert len(made) == 1 and (made[0] / "db.dump").read_text() == "dump\n"
    assert not old.exists()
    assert edge.exists() and mine.exists()


def test_backup_nightly_removes_nothing_when_the_backup_fails(tmp_path):
    old = aged(tmp_path / "backups" / "2020-01-01T023000", 30)
    result = backup_nightly(tmp_path, FAIL="1")
    assert result.returncode != 0
    assert old.exists()


def test_backup_nightly_refuses_a_bad_number_of_days(tmp_path):
    result = backup_nightly(tmp_path, CAMPAIGN_BACKUP_KEEP_DAYS="0")
    assert result.returncode == 2
    assert "CAMPAIGN_BACKUP_KEEP_DAYS must be a whole number of days" in result.stderr


def test_deploy_manage_reads_the_env_file_with_debug_off(tmp_path):
    env_file = tmp_path / "campaign.env"
    env_file.write_text(
        "DJANGO_SECRET_KEY=" + "s" * 50 + "\nDJANGO_ALLOWED_HOSTS=campaign.example.gov.cn\n"
        f"DJANGO_SQLITE_PATH={tmp_path}/db.sqlite3\n")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_URL")) and k != "REDIS_URL"}
    script = ROOT / "deploy" / "manage"
    result = subprocess.run(
        [str(script), "shell", "-v", "0", "-c",
         "from django.conf import settings; print(settings.DEBUG, settings.MEDIA_ROOT,"
         " settings.ALLOWED_HOSTS)"],
        capture_output=True, text=True, timeout=120,
        env={**base, "ENV_FILE": str(env_file), "PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "False /var/lib/campaign/media ['campaign.example.gov.cn']")
    missing = subprocess.run([str(script), "check"], capture_output=True, text=True, timeout=60,
                             env={**base, "ENV_FILE": str(tmp_path / "none.env")})
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr and "campaign.env.example" in missing.stderr
