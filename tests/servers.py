"""The app served by a real server in a subprocess (runserver, gunicorn, deploy/serve), for the
tests of what only a running server shows: the production start, database outages, connections
held. Each server gets its own settings from a clean environment and a free loopback port."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SECRET = "server-test-secret-" + "x" * 40
START_TIMEOUT = 60


def free_ports(count: int) -> list[int]:
    """Loopback ports nothing listens on, all different (each held until all are chosen)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


def clean_env(**settings_env: str) -> dict[str, str]:
    """This process's environment without the app's settings (the suite's DATABASE_URL, REDIS_URL,
    DJANGO_*, CAMPAIGN_*), plus the given ones: a server sees only what its test sets (and two-step
    verification not required)."""
    keep = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CAMPAIGN_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    # Two-step verification is not asked of the accounts these tests log in (a test may set it).
    return {**keep, "CAMPAIGN_TWO_FACTOR_REQUIRED": "0", **settings_env}


def production_env(port: int, **settings_env: str) -> dict[str, str]:
    """Production settings on a loopback port, plain http (no TLS proxy in front)."""
    return clean_env(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0", CAMPAIGN_BACKGROUND="0",
        CAMPAIGN_BIND=f"127.0.0.1:{port}", **settings_env,
    )


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=timeout)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str


def fetch(port: int, path: str, **headers: str) -> Response:
    """One GET on its own connection, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, **headers: str) -> Response:
        return fetch(self.port, path, **headers)

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as systemd stops a service; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def serving(command: list[str], *, port: int, env: dict[str, str], log: Path,
            timeout: float = START_TIMEOUT):
    """Start `command` (which listens on `port`), wait until it accepts connections, and stop
    its whole process group afterwards, whatever the test did."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + timeout
        while not _accepting(port):
            if process.poll() is not None:
                raise AssertionError(f"{command} exited with {process.returncode}:\n{server.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{command} not listening after {timeout} s:\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (its workers included), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


def gunicorn(port: int) -> list[str]:
    """The production web server as deploy/serve starts it (its config file), on `port`."""
    return [GUNICORN, "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "campaign.wsgi"]


def wait_for(predicate, *, timeout: float = 10, every: float = 0.2):
    """Poll until predicate() is truthy; its last value either way."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
