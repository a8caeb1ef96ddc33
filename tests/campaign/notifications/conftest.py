"""Stand-ins for where messages go: a robot server on loopback (answers WeCom and DingTalk posts,
scripted to fail or redirect when a test says so, held mid-answer when it says so) and an SMTP
server (aiosmtpd). Tasks run at once (Django's ImmediateBackend): `deliver` is called when
enqueued, in the test's thread."""

import json
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiosmtpd.controller import Controller

OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class RobotServer:
    """Records each request (method, path, query, JSON body); answers from `script` first
    ((status, JSON) or (status, JSON, headers)), then OK. With `hold` set, each request is
    recorded, `arrived` is set, and the answer waits until `hold` is set (at most 10 s)."""

    port: int
    host: str = "127.0.0.1"
    posts: list[dict] = field(default_factory=list)
    script: list[tuple] = field(default_factory=list)
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/cgi-bin/webhook/send?key=abcdef123456") -> str:
        return f"http://{self.host}:{self.port}{path}"


def _handler(robot: RobotServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length)) if length else None
            parts = urlsplit(self.path)
            robot.posts.append({"method": self.command, "path": parts.path,
                                "query": dict(parse_qsl(parts.query)), "body": body})
            robot.arrived.set()
            if robot.hold is not None:
                robot.hold.wait(10)
            status, answer, *headers = robot.script.pop(0) if robot.script else OK
            data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in (headers[0] if headers else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST   # a followed redirect arrives as a GET

        def log_message(self, *args):
            pass

    return Handler


@contextmanager
def _serving(host: str):
    server = ThreadingHTTPServer((host, 0), None)  # type: ignore[arg-type]
    robot = RobotServer(port=server.server_address[1], host=host)
    server.RequestHandlerClass = _handler(robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        if robot.hold is not None:
            robot.hold.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def robot_server(settings):
    """The robot on 127.0.0.1, the one host the server may call."""
    settings.NOTIFY_WEBHOOK_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_WEBHOOK_ALLOW_HTTP = True
    with _serving("127.0.0.1") as robot:
        yield robot


@pytest.fixture
def intranet_server():
    """Another address on loopback (127.0.0.2), not on the allow-list: stands for an intranet
    host that a redirect could point at."""
    with _serving("127.0.0.2") as robot:
        yield robot


class _Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A local SMTP server; settings point Django's SMTP backend at it. Yields the received
    envelopes (a list)."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.NOTIFY_BY_EMAIL = True
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
    }}
    yield inbox.messages
    controller.stop()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.SITE_URL = "https://ct.example.org"
