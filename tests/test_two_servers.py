"""Two app servers behind one load balancer: any server serves any request.

Two gunicorn servers on two loopback ports share a PostgreSQL database, Redis (cache, sessions,
rate limits) and a local S3 server (moto's server mode, started here); the test plays a person
whose requests land on either server. PostgreSQL only (the CI's PostgreSQL run includes it).
"""

import contextlib
import datetime as dt
import http.client
import io
import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from PIL import Image

from tests import servers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="needs PostgreSQL"),
]

ROOT = Path(settings.BASE_DIR)
PASSWORD = "cluster-pass-2026"
BUCKET = "campaign-photos"


def _build_data() -> None:
    """Run in a child process on the cluster's database: one campaign, a street, a point, a
    criterion and an inspector at the headquarters."""
    import django

    django.setup()
    from campaign.models import Membership
    from tests.factories import (
        CampaignFactory,
        CriterionFactory,
        PointFactory,
        StandardFactory,
        UnitFactory,
        UserFactory,
    )

    today = dt.date.today()
    campaign = CampaignFactory(key="cluster", start=today - dt.timedelta(days=60),
                               end=today + dt.timedelta(days=365))
    hq = UnitFactory(campaign=campaign, kind="hq", name="指挥部", code="HQ")
    street = UnitFactory(parent=hq, name="涧河街道", code="S1")
    standard = StandardFactory(campaign=campaign)
    criterion = CriterionFactory(category__standard=standard, key="cluster-criterion", name="占道经营")
    point = PointFactory(unit=street, code="P-CLUSTER", name="胜利街")
    inspector = UserFactory(username="cluster-inspector", name="督查员甲", password=PASSWORD)
    Membership.objects.create(user=inspector, unit=hq, role="inspector")
    print(json.dumps({"point": point.pk, "criterion": criterion.pk,
                      "category": criterion.category_id}))


class Browser:
    """A person's browser: one cookie jar for both servers (cookies are per host, not per port),
    behind the TLS proxy (X-Forwarded-Proto), with its own CSRF token."""

    def __init__(self):
        self.cookies = {"csrftoken": secrets.token_hex(16)}

    def request(self, port: int, method: str, path: str, *, fields: dict | None = None,
                files: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans",
                   "Referer": f"https://127.0.0.1:{port}{path}",
                   "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if fields is not None:
            fields = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}
            if files:
                body, headers["Content-Type"] = _multipart(fields, files)
            else:
                body = urlencode(fields).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, dict(response.getheaders()), content

    def log_in(self, port: int, username: str, password: str) -> int:
        return self.request(port, "POST", "/accounts/login/",
                            fields={"username": username, "password": password})[0]


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 140, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(port A, port B, boto3 S3 client, ids of the data) of two servers sharing PostgreSQL, Redis and S3."""
    import boto3
    import psycopg

    database = settings.DATABASES["default"]
    server_url = (f"postgres://{database['USER']}:{database['PASSWORD'] or ''}"
                  f"@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}")
    name = f"ct_cluster_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("cluster")
    s3_port, a, b = servers.free_ports(3)
    env = servers.clean_env(
        DATABASE_URL=f"{server_url}/{name}",
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9",
        DJANGO_CACHE_PREFIX=name,
        DJANGO_S3_BUCKET=BUCKET,
        DJANGO_S3_ENDPOINT_URL=f"http://127.0.0.1:{s3_port}",
        DJANGO_S3_ACCESS_KEY_ID="cluster-key",
        DJANGO_S3_SECRET_ACCESS_KEY="cluster-secret",
        DJANGO_S3_REGION="us-east-1",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=servers.SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        DJANGO_CONN_MAX_AGE="60",
        CAMPAIGN_WORKERS="1",
        PYTHONPATH=str(ROOT),
    )
    try:
        with contextlib.ExitStack() as running:
            running.enter_context(servers.serving(
                [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
                port=s3_port, env=env, log=tmp / "moto.log"))
            s3 = boto3.client("s3", endpoint_url=env["DJANGO_S3_ENDPOINT_URL"], region_name="us-east-1",
                              aws_access_key_id="cluster-key", aws_secret_access_key="cluster-secret")
            s3.create_bucket(Bucket=BUCKET)
            for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
                assert servers.manage(*command, env=env).returncode == 0
            built = subprocess.run(
                [servers.PYTHON, "-c", "from tests.test_two_servers import _build_data; _build_data()"],
                env={**env, "DJANGO_SETTINGS_MODULE": "campaign.settings"}, cwd=ROOT, check=True,
                stdout=subprocess.PIPE, text=True)
            data = json.loads(built.stdout.strip().splitlines()[-1])
            for port in (a, b):
                running.enter_context(servers.serving(
                    [servers.GUNICORN, "-c", "deploy/gunicorn.conf.py", "campaign.wsgi"], port=port,
                    env={**env, "CAMPAIGN_BIND": f"127.0.0.1:{port}"}, log=tmp / f"gunicorn-{port}.log"))
            yield a, b, s3, data
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_person_logged_in_on_one_server_acts_on_the_other(cluster):
    a, b, s3, data = cluster
    browser = Browser()
    assert browser.log_in(a, "cluster-inspector", PASSWORD) == 302
    status, _headers, page = browser.request(b, "GET", "/")
    assert status == 200
    assert "督查员甲" in page.decode()

    # A visit with a finding and a photo, recorded through server B.
    point, criterion = data["point"], data["criterion"]
    status, _headers, form = browser.request(b, "GET", f"/points/{point}/visit/")
    assert status == 200
    assert f'<option value="{criterion}"' in form.decode()
    # The visit's time as the form offers it: the servers' clock (this process's may be moved).
    offered = re.search(r'name="visited_at" value="([^"]+)"', form.decode()).group(1)
    now = dt.datetime.fromisoformat(offered) - dt.timedelta(minutes=5)
    status, headers, _body = browser.request(b, "POST", f"/points/{point}/visit/", fields={
        "mode": "covert", "visited_at": now.strftime("%Y-%m-%dT%H:%M"), "note": "两台服务器",
        "finding-TOTAL_FORMS": "1", "finding-INITIAL_FORMS": "0", "finding-MIN_NUM_FORMS": "0",
        "finding-MAX_NUM_FORMS": "20", "finding-0-criterion": criterion, "finding-0-note": "摊位占道",
    }, files={"photos": ("visit.jpg", _jpeg(3000, 2000))})
    assert status == 302, _body.decode()[:2000]
    visit_page = headers["Location"]

    # Read on server A: the visit, its item and its photo (stored in S3 by server B).
    status, _headers, page = browser.request(a, "GET", visit_page)
    assert status == 200
    text = page.decode()
    photo = re.search(r'/photos/(\d+)/', text).group(1)
    assert "摊位占道" in text
    status, headers, image = browser.request(a, "GET", f"/photos/{photo}/")
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(image)) as stored:
        assert stored.size == (2560, 1707)      # reduced to the stored size on upload
    keys = [entry["Key"] for entry in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 2                        # the photo and its thumbnail
    status, _headers, _thumb = browser.request(b, "GET", f"/photos/{photo}/thumb/")
    assert status == 200

    # Log out on A: the session is gone on B too.
    status, _headers, _body = browser.request(a, "POST", "/accounts/logout/", fields={})
    assert status == 302
    status, headers, _body = browser.request(b, "GET", "/")
    assert status == 302
    assert headers["Location"].startswith("/accounts/login/")


def test_login_failures_are_counted_across_both_servers(cluster):
    a, b, _s3, _data = cluster
    browser = Browser()
    for attempt in range(settings.LOGIN_PAIR_LIMIT - 1):
        status = browser.log_in((a, b)[attempt % 2], "cluster-inspector", "wrong-password")
        assert status == 200                   # the form again, with the error
    # The failure that reaches the limit locks, whichever server counts it; then even the right
    # password is refused on both.
    assert browser.log_in(a, "cluster-inspector", "wrong-password") == 429
    assert browser.log_in(b, "cluster-inspector", PASSWORD) == 429
    assert browser.log_in(a, "cluster-inspector", PASSWORD) == 429


def test_citizen_reports_are_counted_across_both_servers(cluster):
    from inspections.views.reports import REPORTS_PER_HOUR

    a, b, _s3, data = cluster
    browser = Browser()
    report = {"category": data["category"], "description": "井盖缺失", "location": "胜利街口"}
    # The count is per clock hour: start well inside one, whatever the time the test runs.
    left = 3600 - time.time() % 3600
    if left < 60:
        time.sleep(left + 1)
    for number in range(REPORTS_PER_HOUR):
        status, _headers, page = browser.request(
            (a, b)[number % 2], "POST", "/report/", fields=report,
            files={"photos": ("report.jpg", _jpeg(400, 300))})
        assert status == 302, number
        assert _headers["Location"].startswith("/report/thanks/")   # filed (or the same again)
    status, _headers, page = browser.request(a, "POST", "/report/", fields=report,
                                             files={"photos": ("report.jpg", _jpeg(400, 300))})
    assert status == 429
    assert "井盖缺失" in page.decode()         # what was typed is shown again
    status, _headers, _page = browser.request(b, "POST", "/report/", fields=report,
                                              files={"photos": ("report.jpg", _jpeg(400, 300))})
    assert status == 429
