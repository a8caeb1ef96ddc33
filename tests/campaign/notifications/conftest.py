"""Stand-ins for where messages go: a robot server on loopback (answers WeCom and DingTalk posts,
scripted to fail when a test says so) and an SMTP server (aiosmtpd). Tasks run at once
(Django's ImmediateBackend): `deliver` is called when enqueued, in the test's thread."""

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiosmtpd.controller import Controller

OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class RobotServer:
    """Records each post (path, query, JSON body); answers from `script` first, then OK."""

    port: int
    posts: list[dict] = field(default_factory=list)
    script: list[tuple[int, dict]] = field(default_factory=list)

    def url(self, path: str = "/cgi-bin/webhook/send?key=abcdef123456") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(robot: RobotServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            parts = urlsplit(self.path)
            robot.posts.append({"path": parts.path, "query": dict(parse_qsl(parts.query)), "body": body})
            status, answer = robot.script.pop(0) if robot.script else OK
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def robot_server(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    robot = RobotServer(port=server.server_address[1])
    server.RequestHandlerClass = _handler(robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFY_WEBHOOK_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_WEBHOOK_ALLOW_HTTP = True
    yield robot
    server.shutdown()
    server.server_close()


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
