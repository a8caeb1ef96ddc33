"""Load on two app servers: many concurrent clients with a mixed workload, on PostgreSQL.

`python bench/run.py cluster` (needs DATABASE_URL). The city data set (bench/dataset.py, one
million items) is copied into a throwaway database, since this bench writes (visits with photos,
deadline extensions) and the page benches must keep reading the same data. Two gunicorn servers,
started as the production start starts one (DJANGO_DEBUG=0, deploy/gunicorn.conf.py), listen on
two loopback ports and share that database, Redis (cache and sessions) and the photo folder.
Each client is one thread with its own connection to one of the two servers (odd and even), logged
in as the city coordinator; for a bounded time it repeats a mix drawn at random:

    item list 30 % (five list and ledger views), item page 25 %, rankings 15 %, home page 10 %,
    a step 10 % (extend the deadline of an open item: its page, then the form's POST),
    a photo upload 10 % (a visit to a point with a 1,600-pixel photo: the form, then the POST).

Every answer other than the expected status is an error. Reported: requests per second, and p50
and p95 of each kind (a step or an upload is timed on its POST).
"""

import http.client
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

import pages

ROOT = Path(__file__).resolve().parent.parent
LOAD_DATABASE = "campaign_bench_load"
MIX = [("item list", 0.30), ("item page", 0.25), ("rankings", 0.15), ("home page", 0.10),
       ("step", 0.10), ("photo upload", 0.10)]


def add_arguments(group) -> None:
    group.add_argument("--cluster-clients", type=int, default=100, help="concurrent clients")
    group.add_argument("--cluster-seconds", type=int, default=60, help="length of the load")
    group.add_argument("--cluster-workers", type=int, default=3, help="gunicorn workers per server")


def run(options) -> None:
    targets = pages.bench_databases("postgres")
    if not targets:
        print("cluster: skipped (PostgreSQL only: set DATABASE_URL)")
        return
    _label, env = targets[0]
    python = str(ROOT / ".venv" / "bin" / "python")
    print("[PostgreSQL] data set…", flush=True)
    subprocess.run([python, "bench/dataset.py"], env={**env, "DJANGO_DEBUG": "1"}, cwd=ROOT, check=True)
    url = _copy_database(env["DATABASE_URL"])
    try:
        result = measure(url, env, options)
    finally:
        _drop_database(env["DATABASE_URL"])
    _print(result, options)


def measure(url: str, env: dict, options) -> dict:
    ports = [pages._free_port(), pages._free_port()]
    env = {
        **env,
        "DATABASE_URL": url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"),
        "DJANGO_CACHE_PREFIX": f"bench-cluster-{secrets.token_hex(4)}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_MEDIA_ROOT": str(ROOT / "bench" / "out" / "cluster-media"),
        "CAMPAIGN_WORKERS": str(options.cluster_workers),
        "CAMPAIGN_ACCESS_LOG": "/dev/null",
        # The sessions are made by a password-only login (bench/dataset.py): no code is asked.
        "CAMPAIGN_TWO_FACTOR_REQUIRED": "0",
        "PYTHONPATH": str(ROOT),
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    described = subprocess.run([python, "bench/dataset.py", "--describe"], env=env, cwd=ROOT,
                               check=True, stdout=subprocess.PIPE, text=True)
    facts = json.loads(described.stdout.strip().splitlines()[-1])
    pools = _pools(url, options.cluster_clients)
    for command in (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"]):
        subprocess.run([python, "manage.py", *command], env=env, cwd=ROOT, check=True)
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    servers = []
    try:
        for port in ports:
            log = open(ROOT / "bench" / "out" / f"cluster-{port}.log", "w")  # noqa: SIM115
            servers.append(subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                 "campaign.wsgi"], env={**env, "CAMPAIGN_BIND": f"127.0.0.1:{port}"}, cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        for port, server in zip(ports, servers, strict=True):
            pages._wait_until_up(port, server)
        return _load(ports, facts, pools, options)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)


def _copy_database(url: str) -> str:
    import psycopg

    _drop_database(url)
    with psycopg.connect(_server(url), autocommit=True) as connection:
        source = url.rsplit("/", 1)[1]
        print(f"[PostgreSQL] copying {source} to {LOAD_DATABASE}…", flush=True)
        connection.execute(f'CREATE DATABASE "{LOAD_DATABASE}" TEMPLATE "{source}"')
    return re.sub(r"/[^/]*$", f"/{LOAD_DATABASE}", url)


def _drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_server(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{LOAD_DATABASE}" WITH (FORCE)')


def _server(url: str) -> str:
    return re.sub(r"/[^/]*$", "/postgres", url)


def _pools(url: str, clients: int) -> dict:
    """Open items (each client extends only its own, so no two clients race for one item) and
    points to visit."""
    import psycopg

    with psycopg.connect(url) as connection:
        items = [row[0] for row in connection.execute(
            "SELECT id FROM inspections_rectification WHERE status = 'open' ORDER BY id DESC LIMIT %s",
            [clients * 40])]
        points = [row[0] for row in connection.execute(
            "SELECT id FROM campaign_point ORDER BY id LIMIT 2000")]
    return {"items": items, "points": points}


def _load(ports: list[int], facts: dict, pools: dict, options) -> dict:
    deadline = time.monotonic() + options.cluster_seconds
    records: list[tuple[str, float, bool]] = []
    errors: list[str] = []
    lock = threading.Lock()
    photo = _photo()
    threads = []
    for number in range(options.cluster_clients):
        own_items = pools["items"][number::options.cluster_clients]
        client = LoadClient(ports[number % 2], facts, own_items, pools["points"], photo,
                            random.Random(number))
        threads.append(threading.Thread(target=client.loop, args=(deadline, records, errors, lock)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"records": records, "errors": errors, "seconds": elapsed, "items": facts["items"]}


class LoadClient:
    """One person at a browser: a connection to one server, the coordinator's session."""

    def __init__(self, port: int, facts: dict, items: list[int], points: list[int], photo: bytes,
                 rng: random.Random):
        self.port, self.facts, self.items, self.points = port, facts, items, points
        self.photo, self.rng = photo, rng
        self.csrf = secrets.token_hex(16)     # 32 characters: Django accepts the bare secret
        self.cookie = f"sessionid={facts['cookies']['bench-coordinator']}; csrftoken={self.csrf}"
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def loop(self, deadline: float, records: list, errors: list, lock: threading.Lock) -> None:
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < deadline:
            kind = self.rng.choices(kinds, weights)[0]
            try:
                seconds = getattr(self, kind.replace(" ", "_"))()
                ok = True
            except Exception as error:  # every failure is counted and named, never hidden
                seconds, ok = 0.0, False
                with lock:
                    errors.append(f"{kind}: {type(error).__name__}: {error}"[:300])
                self.connection.close()
            with lock:
                records.append((kind, seconds, ok))

    # --- the workload ---------------------------------------------------------------------
    def item_list(self) -> float:
        facts = self.facts
        url = self.rng.choice(["/items/", "/items/?status=open", "/items/?overdue=on",
                               f"/items/?unit={facts['street']}", "/items/ledger/"])
        return self.request("GET", url)[0]

    def item_page(self) -> float:
        return self.request("GET", f"/items/{self.rng.choice(self.items)}/")[0]

    def rankings(self) -> float:
        facts = self.facts
        month = self.rng.choice([facts["published"], facts["draft"]])
        return self.request("GET", f"/rankings/?parent={facts['hq']}&month={month}")[0]

    def home_page(self) -> float:
        return self.request("GET", "/")[0]

    def step(self) -> float:
        item = self.items.pop() if len(self.items) > 1 else self.items[0]
        _seconds, page = self.request("GET", f"/items/{item}/")
        fields = form_fields(page, f"/items/{item}/extend/")
        fields.update({"deadline_days": "3", "deadline_count": "natural",
                       "reason": "负载测试：延期三天"})
        return self.request("POST", f"/items/{item}/extend/", urlencode(fields).encode(),
                            "application/x-www-form-urlencoded", expect=302)[0]

    def photo_upload(self) -> float:
        point = self.rng.choice(self.points)
        _seconds, page = self.request("GET", f"/points/{point}/visit/")
        fields = form_fields(page, f"/points/{point}/visit/")
        fields["note"] = "负载测试：巡查记录"
        body, content_type = multipart(fields, {"photos": ("visit.jpg", self.photo)})
        return self.request("POST", f"/points/{point}/visit/", body, content_type, expect=302)[0]

    def request(self, method: str, url: str, body: bytes | None = None, content_type: str = "",
                expect: int = 200) -> tuple[float, str]:
        headers = {"Cookie": self.cookie, "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans",
                   "Referer": f"https://127.0.0.1:{self.port}{url}"}
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        self.connection.request(method, url, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        seconds = time.perf_counter() - started
        if response.will_close:
            self.connection.close()
        if response.status != expect:
            raise RuntimeError(f"{method} {url}: {response.status} (expected {expect})")
        return seconds, text


class _FormReader(HTMLParser):
    """The fields a browser would send from the form posting to `action`, as the page filled them."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            # A form without an action posts to its own page, which is where the client got it.
            action = (attributes.get("action") or self.action).split("#", 1)[0]
            self.inside = action.endswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("file", "submit", "button") or (kind in ("checkbox", "radio")
                                                        and "checked" not in attributes):
                return
            self.fields[attributes["name"]] = attributes.get("value") or ""
        elif tag == "select":
            self.select = attributes.get("name")
        elif tag == "option" and self.select and ("selected" in attributes
                                                  or self.select not in self.fields):
            self.fields[self.select] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_fields(page: str, action: str) -> dict:
    reader = _FormReader(action)
    reader.feed(page)
    if "csrfmiddlewaretoken" not in reader.fields:
        raise RuntimeError(f"no form posting to {action} on the page")
    return reader.fields


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, data) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _photo() -> bytes:
    """A phone photo as the phone sends it after reduction: 1,600 × 1,200, about 200 KB."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (90, 120, 160))
    draw = ImageDraw.Draw(image)
    for step in range(0, 1600, 40):
        draw.line([(step, 0), (1600 - step, 1200)], fill=(step % 255, 200, 80), width=7)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _print(result: dict, options) -> None:
    records, seconds = result["records"], result["seconds"]
    done = [record for record in records if record[2]]
    print(f"\nTwo app servers ({options.cluster_workers} gunicorn workers each), "
          f"{options.cluster_clients} concurrent clients, {seconds:.0f} s, {result['items']:,} items:\n")
    print(f"- {len(done):,} operations done, {len(records) - len(done)} errors, "
          f"{len(done) / seconds:.1f} operations/s")
    print("\n| kind | count | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: |")
    for kind, _weight in MIX:
        times = sorted(record[1] * 1000 for record in done if record[0] == kind)
        if times:
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"| {kind} | {len(times):,} | {statistics.median(times):.0f} | {p95:.0f} |")
    everything = sorted(record[1] * 1000 for record in done)
    if everything:
        p95 = everything[min(len(everything) - 1, int(len(everything) * 0.95))]
        print(f"| all | {len(everything):,} | {statistics.median(everything):.0f} | {p95:.0f} |")
    for error in result["errors"][:10]:
        print(f"- error: {error}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    run(parser.parse_args())
