import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import dj_database_url
import psycopg
import pytest
from psycopg import sql

from tests import servers


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """A STATIC_ROOT collected under production settings (hashed names and their manifest),
    once for the servers that run with DJANGO_DEBUG=0."""
    root = tmp_path_factory.mktemp("static")
    result = servers.manage("collectstatic", "--noinput", "-v0", env=servers.clean_env(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=servers.SECRET, DJANGO_STATIC_ROOT=str(root)))
    assert result.returncode == 0, result.stderr
    return root


@dataclass
class ServerDatabase:
    """A migrated PostgreSQL database for the servers the tests start, and a connection to the
    server's maintenance database to watch and steer it."""
    name: str
    url: str
    admin: psycopg.Connection

    def connections(self) -> int:
        """Client connections to it now (pg_stat_activity)."""
        row = self.admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name]).fetchone()
        assert row is not None
        return row[0]

    def execute(self, statement: sql.Composable) -> None:
        self.admin.execute(statement)


@pytest.fixture(scope="session")
def server_database():
    """<the suite's database name>_conn on the suite's PostgreSQL server (pytest-django's own
    test database is held by the tests' transactions): created and migrated once, dropped after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_conn"
    admin = psycopg.connect(
        host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
        password=config["PASSWORD"] or None, dbname="postgres", autocommit=True)
    database = sql.Identifier(name)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(database))
    server_url = urlsplit(url)._replace(path=f"/{name}").geturl()
    try:
        result = servers.manage("migrate", "--noinput", "-v0",
                                env=servers.clean_env(DATABASE_URL=server_url))
        assert result.returncode == 0, result.stderr
        yield ServerDatabase(name=name, url=server_url, admin=admin)
    finally:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        admin.close()
