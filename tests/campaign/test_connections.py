"""Database connections never leak: counted in pg_stat_activity around a burst of requests, for
the dev server (a thread per request: connections closed after each) and for gunicorn as the
production start runs it (one kept connection per worker)."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import servers

pytestmark = pytest.mark.postgres

BURST = 50


def burst(server: servers.Server) -> list[int]:
    """BURST page views, ten at a time, each from a new visitor whose stale session cookie makes
    the page read the database."""
    def one(number: int) -> int:
        return server.get("/accounts/login/", Cookie=f"sessionid=stale{number:032d}").status

    with ThreadPoolExecutor(max_workers=10) as pool:
        return list(pool.map(one, range(BURST)))


def test_dev_server_closes_every_connection_after_its_request(tmp_path, server_database):
    port = servers.free_port()
    env = servers.clean_env(DATABASE_URL=server_database.url)   # the dev defaults: DEBUG, age 0
    command = [servers.PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with servers.serving(command, port=port, env=env, log=tmp_path / "log") as server:
        baseline = server_database.connections()
        assert burst(server) == [200] * BURST
        after = servers.wait_for(lambda: server_database.connections() == baseline)
        assert after, f"{server_database.connections()} connections, {baseline} before the burst"


def test_gunicorn_keeps_one_connection_per_worker(tmp_path, server_database, collected_static):
    port = servers.free_port()
    env = servers.production_env(
        port, DATABASE_URL=server_database.url, DJANGO_STATIC_ROOT=str(collected_static),
        DJANGO_CONN_MAX_AGE="60", CAMPAIGN_WORKERS="2")
    with servers.serving(servers.gunicorn(port), port=port, env=env, log=tmp_path / "log") as server:
        assert server_database.connections() == 0     # the preloaded app connects to nothing
        assert burst(server) == [200] * BURST
        assert 1 <= server_database.connections() <= 2
