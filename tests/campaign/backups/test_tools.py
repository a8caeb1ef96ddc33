"""The pieces without a database: PostgreSQL's client tools, libpq's environment, safe names."""

from pathlib import Path

import pytest

from campaign.backups import BackupError, Problems, size_text
from campaign.backups.files import member_path
from campaign.backups.postgres import client_tool, libpq_env, parse_version, server_version


def fake_tool(directory: Path, tool: str, version_line: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / tool
    path.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    path.chmod(0o755)
    return path


def test_a_missing_pg_dump_says_what_to_install(tmp_path):
    with pytest.raises(BackupError) as error:
        client_tool("pg_dump", tmp_path, 16)
    assert str(error.value) == (
        f"pg_dump was not found in {tmp_path}. Install the PostgreSQL client tools of version 16 or "
        f"newer (Debian and Ubuntu: apt-get install postgresql-client-16), or give --pg-bin the "
        f"directory that holds pg_dump (e.g. /usr/lib/postgresql/16/bin).")


def test_a_pg_dump_older_than_the_server_is_refused(tmp_path):
    path = fake_tool(tmp_path / "bin", "pg_dump", "pg_dump (PostgreSQL) 13.4")
    with pytest.raises(BackupError) as error:
        client_tool("pg_dump", tmp_path / "bin", 15)
    assert str(error.value).startswith(
        f"{path} is version 13.4, older than the database server (15): pg_dump must be of the "
        f"server's major version or newer. Install the PostgreSQL client tools of version 15")


def test_a_pg_dump_of_the_server_version_or_newer_is_used(tmp_path):
    path = fake_tool(tmp_path / "bin", "pg_restore", "pg_restore (PostgreSQL) 17.2 (Debian 17.2-1)")
    assert client_tool("pg_restore", tmp_path / "bin", 17) == (str(path), "17.2")
    assert client_tool("pg_restore", tmp_path / "bin", 15) == (str(path), "17.2")


@pytest.mark.parametrize(("output", "parsed"), [
    ("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n", (15, "15.20")),
    ("pg_dump (PostgreSQL) 9.6.24\n", (9, "9.6.24")),
    ("pg_dump (PostgreSQL) 17devel\n", (17, "17devel")),
    ("something else", (None, "")),
])
def test_client_versions_are_read_from_their_banner(output, parsed):
    assert parse_version(output) == parsed


def test_server_versions_read_as_major_and_minor():
    assert server_version(150020) == (15, "15.20")
    assert server_version(170002) == (17, "17.2")


def test_the_password_travels_in_the_environment_only(monkeypatch):
    monkeypatch.delenv("PGSSLMODE", raising=False)
    env = libpq_env({"NAME": "campaign", "USER": "app", "PASSWORD": "s3cret", "HOST": "db.lan",
                     "PORT": 5433, "OPTIONS": {"sslmode": "require"}})
    assert {k: env[k] for k in ("PGDATABASE", "PGUSER", "PGPASSWORD", "PGHOST", "PGPORT",
                                "PGSSLMODE", "PGAPPNAME")} == {
        "PGDATABASE": "campaign", "PGUSER": "app", "PGPASSWORD": "s3cret", "PGHOST": "db.lan",
        "PGPORT": "5433", "PGSSLMODE": "require", "PGAPPNAME": "campaign-backup"}


def test_a_unix_socket_connection_sets_no_host(monkeypatch):
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    env = libpq_env({"NAME": "campaign", "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""})
    assert "PGHOST" not in env and "PGPASSWORD" not in env


@pytest.mark.parametrize("name", ["../etc/passwd", "/etc/passwd", "photos/../../x.jpg", "",
                                  "photos//x.jpg", "photos/./x.jpg", "photos\\..\\x.jpg"])
def test_a_photo_name_that_leaves_the_backup_is_refused(tmp_path, name):
    with pytest.raises(BackupError):
        member_path(tmp_path, name)


def test_a_photo_name_maps_into_the_photo_directory(tmp_path):
    assert member_path(tmp_path, "photos/2026/03/ab12.jpg") == tmp_path / "photos/2026/03/ab12.jpg"


def test_problems_keep_the_first_twenty_and_count_all():
    problems = Problems()
    assert not problems
    for number in range(23):
        problems.add(f"file {number}")
    assert problems.summary() == "23 problems"
    assert problems.text().splitlines()[-2:] == ["  - file 19", "  … and 3 more"]


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"), (1023, "1,023 bytes"), (1024, "1.0 KB"), (3_467_730, "3.3 MB"),
    (5 * 1024**3, "5.0 GB"), (3000 * 1024**3, "3,000.0 GB"),
])
def test_sizes_read_for_people(size, text):
    assert size_text(size) == text
