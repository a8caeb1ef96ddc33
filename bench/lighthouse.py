"""Lighthouse's accessibility score of the main pages (issue 15: at least 0.98 each).

`python bench/lighthouse.py` (needs the `lighthouse` npm CLI in node_modules and Debian's
chromium): a throwaway SQLite database in a temporary directory gets the demo data
(`seed_demo`), a development server runs on it, the demo coordinator logs in, and Lighthouse
(accessibility only) opens the login page, home, item list, an item page and the rankings in
Chinese and English, as a phone (Lighthouse's default mobile emulation) and on a desktop
(`--preset=desktop`), with the session cookie and the language in --extra-headers. Printed: a
table of the scores and, under it, every audit that failed; the exit status is 1 when a score is
below MINIMUM. `--keep DIR` keeps each run's JSON report in DIR.
"""

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
MINIMUM = 0.98
LANGS = {"zh-CN": "zh-CN,zh;q=0.9", "en-US": "en-US,en;q=0.9"}
FORM_FACTORS = {"mobile": [], "desktop": ["--preset=desktop"]}
USERNAME = "coordinator"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True, **kwargs)


def demo_facts(env: dict[str, str]) -> tuple[int, str]:
    """An item waiting for the coordinator's verification (the page with the most step forms),
    and the demo accounts' password."""
    result = manage(env, "shell", "-c", (
        "from campaign.demo import DEMO_PASSWORD; "
        "from inspections.models import Rectification; "
        "print(Rectification.objects.filter(status='submitted').order_by('pk')"
        ".values_list('pk', flat=True).first(), DEMO_PASSWORD)"))
    item, password = result.stdout.strip().splitlines()[-1].split()
    return int(item), password


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def log_in(base: str, username: str, password: str) -> str:
    """Log in through the form, as a browser does; returns the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": username,
                                   "password": password}).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=data,
                                     headers={"Referer": f"{base}/accounts/login/"})
    landed = opener.open(request).geturl()
    if landed.rstrip("/") != base:
        raise SystemExit(f"logging in as {username} ended on {landed}, not the home page")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def lighthouse(url: str, headers: dict[str, str], extra: list[str], chrome: str,
               keep: Path | None, name: str) -> tuple[float, list[str]]:
    """Lighthouse's accessibility score of one page, and the audits that failed."""
    command = [str(LIGHTHOUSE), url, "--only-categories=accessibility", "--output=json",
               "--output-path=stdout", "--quiet", f"--chrome-flags={CHROME_FLAGS}",
               f"--extra-headers={json.dumps(headers)}", *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CHROME_PATH": chrome})
    if result.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    if keep is not None:
        (keep / f"{name}.json").write_text(result.stdout)
    category = report["categories"]["accessibility"]
    failed = [
        f"{ref['id']}: " + "; ".join(
            item.get("node", {}).get("selector", "") for item in
            (report["audits"][ref["id"]].get("details") or {}).get("items", [])[:4])
        for ref in category["auditRefs"]
        if ref["weight"] and report["audits"][ref["id"]]["score"] not in (None, 1)
    ]
    return category["score"], failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep each JSON report in this directory")
    args = parser.parse_args()
    chrome = shutil.which("chromium")
    if chrome is None or not LIGHTHOUSE.exists():
        raise SystemExit("needs Debian's chromium and `lighthouse` in node_modules (npm ci)")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as temp:
        env = {**os.environ, "DJANGO_SQLITE_PATH": str(Path(temp) / "db.sqlite3"),
               "DJANGO_DEBUG": "1",      # the development server serves the static files
               "CAMPAIGN_TWO_FACTOR_REQUIRED": "0",     # the demo coordinator has no app
               "DATABASE_URL": "", "REDIS_URL": ""}
        print("Building the demo data…", file=sys.stderr)
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo")
        item, password = demo_facts(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [PYTHON, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"{base}/accounts/login/")
            pages = [("login", "/accounts/login/", False), ("home", "/", True),
                     ("item list", "/items/", True), ("item page", f"/items/{item}/", True),
                     ("rankings", "/rankings/", True)]
            rows: list[tuple[str, str, str, float]] = []
            failures: list[str] = []
            for lang, accept in LANGS.items():
                cookie = log_in(base, USERNAME, password)   # a session per language
                for form_factor, extra in FORM_FACTORS.items():
                    for name, path, logged_in in pages:
                        headers = {"Accept-Language": accept, **({"Cookie": cookie} if logged_in else {})}
                        print(f"{name} {lang} {form_factor}…", file=sys.stderr)
                        score, failed = lighthouse(
                            base + path, headers, extra, chrome, args.keep,
                            f"{name.replace(' ', '-')}-{lang}-{form_factor}")
                        rows.append((name, lang, form_factor, score))
                        failures += [f"{name} {lang} {form_factor}: {audit}" for audit in failed]
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"{'page':<10} {'language':<8} {'form factor':<11} accessibility")
    for name, lang, form_factor, score in rows:
        print(f"{name:<10} {lang:<8} {form_factor:<11} {score:.2f}")
    if failures:
        print("\nAudits that failed:\n" + "\n".join(failures))
    low = [row for row in rows if row[3] < MINIMUM]
    if low:
        print(f"\n{len(low)} scores below {MINIMUM}")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
