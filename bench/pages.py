"""Pages over real HTTP, the way users meet them: the production start, a million items.

For each database (SQLite, and PostgreSQL when DATABASE_URL is set) this builds or reuses the
data set (`bench/dataset.py`), starts the server exactly as the README's production start does
(`deploy/serve`: DJANGO_DEBUG=0, collectstatic, migrate, gunicorn with deploy/gunicorn.conf.py)
on a loopback port, and then, logged in as the city coordinator (who sees every item):

- times every page over one keep-alive connection, each page's request followed by one of the
  floor (a small logged-in page), and prints p50 and the ratio to the floor's p50;
- downloads the ledger export of 200,000 rows as CSV and as XLSX and prints rows per second;
- runs `wrk` (Debian's package) with 16 connections on the item list: requests per second, p99,
  and errors.

Nothing in the data set changes: the pages are read, and only sessions are written.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# The floor: a small logged-in page (one's notification settings). It was the home page until
# the home page became each person's work (issue 12), which is now timed like the others.
FLOOR = "/notifications/settings/"


def add_arguments(group) -> None:
    group.add_argument("--pages-only", choices=["sqlite", "postgres"], help="one database only")
    group.add_argument("--pages-runs", type=int, default=20, help="timed requests per page")
    group.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    group.add_argument("--load-seconds", type=int, default=20, help="length of the wrk run")


def bench_databases(only: str | None) -> list[tuple[str, dict]]:
    """(label, environment) of each database the benchmarks run on: SQLite (the file
    bench/out/city.sqlite3, or BENCH_SQLITE_PATH), and PostgreSQL when DATABASE_URL is set (its
    server's database campaign_bench, or BENCH_DATABASE_URL). Never the development database."""
    targets = []
    if only in (None, "sqlite"):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["DJANGO_SQLITE_PATH"] = os.environ.get(
            "BENCH_SQLITE_PATH", str(ROOT / "bench" / "out" / "city.sqlite3"))
        Path(env["DJANGO_SQLITE_PATH"]).parent.mkdir(parents=True, exist_ok=True)
        targets.append(("SQLite", env))
    if only in (None, "postgres") and os.environ.get("DATABASE_URL"):
        env = dict(os.environ)
        env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or _bench_database(env["DATABASE_URL"])
        targets.append(("PostgreSQL", env))
    return targets


def in_children(script: str, only: str | None, runs: int, what: str, **env_extra: str) -> dict:
    """Run `script --child runs` once per database (bench_databases) and gather the JSON each
    child prints last: {database label: figures}. Each bench measures in a child process of its
    own so that it reads only its database's settings."""
    results = {}
    for label, env in bench_databases(only):
        print(f"[{label}] {what}…", flush=True)
        child = subprocess.run(
            [sys.executable, script, "--child", str(runs)],
            env={**env, "DJANGO_DEBUG": "1", **env_extra}, cwd=ROOT, stdout=subprocess.PIPE,
            text=True, check=True,
        )
        results[label] = json.loads(child.stdout.strip().splitlines()[-1])
    return results


def print_table(title: str, first: str, results: dict, cell) -> None:
    """One Markdown table of a bench's results ({database: {row: figures}}): a row per name, a
    column per database, each cell written by `cell(figures)`."""
    if not results:
        return
    labels = list(results)
    print(f"\n{title}:\n")
    print(f"| {first} | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for name in results[labels[0]]:
        print(f"| {name} | " + " | ".join(cell(results[label][name]) for label in labels) + " |")


def run(options) -> None:
    results = {}
    for label, env in bench_databases(options.pages_only):
        print(f"[{label}] data set, then the production server…", flush=True)
        results[label] = measure(label, env, options)
    _print_tables(results)


def _bench_database(url: str) -> str:
    """The database `campaign_bench` on the server DATABASE_URL names (created when missing)."""
    import psycopg

    server = re.sub(r"/[^/]*$", "/postgres", url)
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = 'campaign_bench'").fetchone():
            connection.execute('CREATE DATABASE "campaign_bench"')
    return re.sub(r"/[^/]*$", "/campaign_bench", url)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(label: str, env: dict, options) -> dict:
    port = _free_port()
    env = {
        **{name: value for name, value in env.items() if name != "REDIS_URL"},  # per-worker cache
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CAMPAIGN_BIND": f"127.0.0.1:{port}",
        "CAMPAIGN_WORKERS": str(options.workers),
        "CAMPAIGN_ACCESS_LOG": "/dev/null",
        # The web server alone: no task worker or supervision loop writing to the data set.
        "CAMPAIGN_BACKGROUND": "0",
        # The sessions are made by a password-only login (bench/dataset.py): no code is asked.
        "CAMPAIGN_TWO_FACTOR_REQUIRED": "0",
        "PYTHONPATH": str(ROOT),
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "bench/dataset.py"], env={**env, "DJANGO_DEBUG": "1"}, cwd=ROOT, check=True)
    described = subprocess.run([python, "bench/dataset.py", "--describe"], env=env, cwd=ROOT,
                               check=True, stdout=subprocess.PIPE, text=True)
    facts = json.loads(described.stdout.strip().splitlines()[-1])
    log = open(ROOT / "bench" / "out" / f"server-{label.lower()}.log", "w")  # noqa: SIM115
    server = subprocess.Popen([str(ROOT / "deploy" / "serve")], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(port, server)
        client = Client(port, facts["cookies"]["bench-coordinator"])
        admin = Client(port, facts["cookies"]["bench-admin"])
        pages = _pages(facts)
        for url in pages.values():
            (admin if url.startswith("/admin/") else client).get(url)   # all 200 before timing
        timed = _interleaved(client, admin, pages, options.pages_runs)
        exports = {fmt: _export(client, fmt) for fmt in ("csv", "xlsx")}
        load = _load(port, facts["cookies"]["bench-coordinator"], options.load_seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    return {"items": facts["items"], "timed": timed, "exports": exports, "load": load}


def _pages(facts: dict) -> dict[str, str]:
    deep = quote(facts["deep_cursor"])
    street, district, hq = facts["street"], facts["district"], facts["hq"]
    return {
        "home page (city coordinator)": "/",
        "item list, page 1": "/items/",
        "item list, deepest page": f"/items/?after={deep}",
        "item list, status open": "/items/?status=open",
        "item list, status rework, by deadline": "/items/?status=rework&sort=deadline",
        "item list, overdue": "/items/?overdue=on",
        "item list, due within 3 days": "/items/?due_soon=on",
        "item list, a street": f"/items/?unit={street}",
        "item list, by status (descending)": "/items/?sort=-status",
        "ledger, page 1": "/items/ledger/",
        "ledger, month + point kind + category":
            f"/items/ledger/?month={facts['past']}&point_kind=back_street&category={facts['category']}",
        "ledger, status closed + a street": f"/items/ledger/?status=closed&unit={street}",
        "item page": f"/items/{facts['item']}/",
        "search page, 4 characters matching nothing": f"/search/?q={quote('整改事项')}",
        "item list, q of 4 characters matching nothing": f"/items/?q={quote('整改事项')}",
        "map data, first 5,000 features": "/map/data.geojson",
        "map data, overdue items of a street": f"/map/data.geojson?layer=items&status=overdue&unit={street}",
        "unit figures of the city, past month": f"/units/{hq}/figures/?month={facts['past']}",
        "rankings of the districts, draft month": f"/rankings/?parent={hq}&month={facts['draft']}",
        "drill-down, draft month": f"/rankings/units/{district}/?month={facts['draft']}",
        "rankings of the districts, published": f"/rankings/?parent={hq}&month={facts['published']}",
        "drill-down, published": f"/rankings/units/{district}/?month={facts['published']}",
        "trend of a street (12 published months)": f"/rankings/units/{street}/trend/",
        "admin changelist of the items, page 1": "/admin/inspections/rectification/",
    }


class Client:
    """One keep-alive HTTP/1.1 connection, logged in by its session cookie, behind a TLS proxy."""

    def __init__(self, port: int, session: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Cookie": f"sessionid={session}", "X-Forwarded-Proto": "https",
                        "Accept-Language": "zh-hans"}

    def get(self, url: str) -> bytes:
        self.connection.request("GET", url, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise Refused(f"GET {url}: {response.status}")
        return body


class Refused(Exception):
    """A page answered with something else than 200."""


def _wait_until_up(port: int, server: subprocess.Popen, limit: float = 180) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see bench/out/server-*.log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def _interleaved(client: Client, admin: Client, pages: dict, runs: int) -> dict:
    """p50 of each page, every request followed by one of the floor, so the floor is measured
    under the same conditions as the pages around it."""
    floor: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _round in range(runs):
        for name, url in pages.items():
            who = admin if url.startswith("/admin/") else client
            times[name].append(_timed(who, url))
            floor.append(_timed(client, FLOOR))
    floor_p50 = statistics.median(floor)
    result = {"floor": {"p50": floor_p50, "ratio": 1.0}}
    for name, values in times.items():
        p50 = statistics.median(values)
        result[name] = {"p50": p50, "ratio": p50 / floor_p50}
    return result


def _timed(client: Client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def _export(client: Client, fmt: str) -> dict:
    started = time.perf_counter()
    try:
        body = client.get(f"/items/ledger.{fmt}")
    except (Refused, OSError) as error:   # e.g. the worker killed at its timeout
        client.connection.close()
        return {"failed": f"{error or type(error).__name__} after {time.perf_counter() - started:.0f} s"}
    seconds = time.perf_counter() - started
    if fmt == "csv":
        rows = body.count(b"\n") - 1
    else:
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as book:
            rows = book.read("xl/worksheets/sheet1.xml").count(b"<row ") - 1
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "bytes": len(body)}


def _load(port: int, session: str, seconds: int) -> dict:
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Cookie: sessionid={session}", "-H", "X-Forwarded-Proto: https",
         f"http://127.0.0.1:{port}/items/"],
        check=True, stdout=subprocess.PIPE, text=True).stdout
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
        "errors": (sum(int(n) for n in errors.groups()) if errors else 0)
        + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def _print_tables(results: dict) -> None:
    labels = list(results)
    if not labels:
        return
    first = results[labels[0]]
    print(f"\nPages over HTTP (gunicorn, DJANGO_DEBUG=0), {first['items']:,} items, "
          "p50 ms and × floor:\n")
    print("| page | " + " | ".join(f"{label} ms | ×" for label in labels) + " |")
    print("| --- |" + " ---: | ---: |" * len(labels))
    for name in first["timed"]:
        cells = []
        for label in labels:
            figure = results[label]["timed"][name]
            cells.append(f"{figure['p50']:.1f} | {figure['ratio']:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nLedger export of the whole city (newest 200,000 rows):\n")
    for label in labels:
        for fmt, figure in results[label]["exports"].items():
            if "failed" in figure:
                print(f"- {label} {fmt.upper()}: failed: {figure['failed']}")
                continue
            print(f"- {label} {fmt.upper()}: {figure['rows']:,} rows in {figure['seconds']:.1f} s "
                  f"({figure['rows_per_second']:,.0f} rows/s, {figure['bytes'] / 1e6:.1f} MB)")
    print("\nItem list under 16 concurrent clients (wrk):\n")
    for label in labels:
        load = results[label]["load"]
        if "skipped" in load:
            print(f"- {label}: {load['skipped']}")
        else:
            print(f"- {label}: {load['requests_per_second']:.1f} requests/s, p99 {load['p99_ms']:.0f} ms, "
                  f"{load['errors']} errors")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    run(parser.parse_args())
