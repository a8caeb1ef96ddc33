import subprocess

import pytest
from django.db import connection

from campaign.management.commands.wait_for_db import describe, reason
from tests import servers


def test_waits_with_a_line_per_try_then_gives_up_without_a_traceback():
    port = servers.free_port()     # nothing listens there
    result = servers.manage("wait_for_db", "--timeout", "3", env=servers.clean_env(
        DATABASE_URL=f"postgres://campaign@127.0.0.1:{port}/campaign"))
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    # A try at once and every 2 s until 3 s have passed: 0, 2, 4 s.
    assert lines == [
        f"database 127.0.0.1:{port}/campaign not reachable (connection refused); retrying in 2 s",
        f"database 127.0.0.1:{port}/campaign not reachable (connection refused); retrying in 2 s",
        f"CommandError: database 127.0.0.1:{port}/campaign still not reachable after 3 s "
        "(connection refused); giving up",
    ]
    assert result.stdout == ""


def test_goes_on_once_the_database_is_there(tmp_path):
    """SQLite in a directory that appears while the command waits."""
    later = tmp_path / "later"
    process = subprocess.Popen(
        [servers.PYTHON, "manage.py", "wait_for_db", "--timeout", "30"], cwd=servers.settings.BASE_DIR,
        env=servers.clean_env(DJANGO_SQLITE_PATH=str(later / "db.sqlite3")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        later.mkdir()
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert first == (f"database {later}/db.sqlite3 not reachable (unable to open database file); "
                     "retrying in 2 s\n")
    assert (process.returncode, stdout, stderr) == (0, f"database {later}/db.sqlite3 is up\n", "")


@pytest.mark.django_db
def test_returns_at_once_when_the_database_is_up(tmp_path):
    """Against the suite's own database server (PostgreSQL), or a SQLite file."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        env = servers.clean_env(DATABASE_URL="postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
            **{**settings_dict, "PORT": settings_dict["PORT"] or 5432}))
        target = describe(settings_dict)
    else:
        env = servers.clean_env(DJANGO_SQLITE_PATH=str(tmp_path / "db.sqlite3"))
        target = str(tmp_path / "db.sqlite3")
    result = servers.manage("wait_for_db", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"database {target} is up\n", "")


@pytest.mark.parametrize("message, expected", [
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
     "\n\tIs the server running on that host and accepting TCP/IP connections?", "connection refused"),
    ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  database '
     '"campaign" does not exist', 'database "campaign" does not exist'),
    ("failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
     "failed to resolve host 'db.invalid': [Errno -2] Name or service not known"),
    ("unable to open database file", "unable to open database file"),
    ("SSL SYSCALL error: EOF detected", "SSL SYSCALL error: EOF detected"),
    ("", "OperationalError"),
])
def test_reason_is_the_drivers_last_words(message, expected):
    from django.db import OperationalError

    assert reason(OperationalError(message)) == expected


def test_describe_names_host_port_and_database():
    postgres = "django.db.backends.postgresql"
    assert describe({"ENGINE": postgres, "HOST": "127.0.0.1", "PORT": "", "NAME": "campaign"}) == (
        "127.0.0.1:5432/campaign")
    assert describe({"ENGINE": postgres, "HOST": "", "PORT": 6543, "NAME": "campaign"}) == (
        "local socket:6543/campaign")
    assert describe({"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/db.sqlite3"}) == (
        "/srv/db.sqlite3")
