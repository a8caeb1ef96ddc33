"""The audit page (/audit/) on a million changes and a million security events, as a superuser,
in-process through Django's test client (the view, its queries and its template).

`DATABASE_URL=… python bench/audit.py` or `DJANGO_SQLITE_PATH=/tmp/audit.sqlite3 python
bench/audit.py`: a throwaway database (migrated here; the rows are added once, by SQL, and a
second run finds them). Each page is timed as the median of 5 runs; the export (the newest
AUDIT_EXPORT_MAX_ROWS rows) once. Printed: milliseconds and queries of each.
"""

import datetime as dt
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")

ROWS = 1_000_000
PEOPLE = 1_000
OBJECTS = 50_000
RUNS = 5
# The newest row; each row before it 90 seconds older: a million rows span about three years.
NEWEST = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def fill(connection) -> None:
    from django.contrib.contenttypes.models import ContentType

    from campaign.audit.models import ChangeEntry, SecurityEvent
    from campaign.models import Point, Task, Unit, User

    if ChangeEntry.objects.count() >= ROWS:
        return
    User.objects.bulk_create([User(username=f"u{n}", password="!") for n in range(PEOPLE)],
                             ignore_conflicts=True)
    first = User.objects.order_by("id").values_list("id", flat=True).first()
    types = [ContentType.objects.get_for_model(model).pk for model in (Unit, Point, Task, User)]
    postgres = connection.vendor == "postgresql"
    series = ("FROM generate_series(1, %s) AS s(x)" if postgres
              else "FROM (WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %s) "
                   "SELECT x FROM s)")
    cat = "||"
    moment = ("(%s::timestamptz - x * interval '90 seconds')" if postgres
              else "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '-' || (x * 90) || ' seconds')")
    newest = NEWEST if postgres else NEWEST.strftime("%Y-%m-%d %H:%M:%S")
    ctype = "(CASE x %% 4 " + " ".join(f"WHEN {n} THEN {pk}" for n, pk in enumerate(types)) + " END)"
    address = f"('10.0.' {cat} (x %% 250) {cat} '.' {cat} (x %% 200 + 1))" + ("::inet" if postgres else "")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_changeentry (content_type_id, object_pk, object_id, object_repr, action, "
            "changes_text, changes, actor_id, remote_addr, timestamp) "
            f"SELECT {ctype}, CAST(x %% {OBJECTS} AS TEXT), x %% {OBJECTS}, '对象' {cat} (x %% {OBJECTS}), "
            f"x %% 3, '', '{{\"name\": [\"甲\", \"乙\"]}}', {first} + x %% {PEOPLE}, {address}, {moment} "
            + series, [newest, ROWS])
        kinds = ["login", "login_failed", "logout", "refused"]
        kind = "(CASE x %% 4 " + " ".join(f"WHEN {n} THEN '{k}'" for n, k in enumerate(kinds)) + " END)"
        cursor.execute(
            "INSERT INTO audit_securityevent (at, kind, user_id, username, address, path, status, details) "
            f"SELECT {moment}, {kind}, {first} + x %% {PEOPLE}, 'u' {cat} (x %% {PEOPLE}), {address}, "
            f"'/units/' {cat} x {cat} '/', 404, '{{}}' " + series, [newest, ROWS])
    assert SecurityEvent.objects.count() >= ROWS


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from campaign.models import Unit, User

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(connection)
    print(f"data: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_changeentry; ANALYZE audit_securityevent")
    admin, _created = User.objects.get_or_create(username="audit-bench", defaults={
        "is_superuser": True, "is_staff": True})
    client = Client()
    client.force_login(admin)
    unit = ContentType.objects.get_for_model(Unit).pk
    changes, security = reverse("audit:changes"), reverse("audit:security")
    pages = {
        "changes, no filter": (changes, {}),
        "changes, one person": (changes, {"person": "u417"}),
        "changes, one object (type + id)": (changes, {"object_type": unit, "object_id": 4000}),
        "changes, one address": (changes, {"address": "10.0.17.18"}),
        "changes, deletions": (changes, {"action": 2}),
        "changes, a week a year ago": (changes, {"since": "2025-11-01", "until": "2025-11-07"}),
        "changes, a person, a week, nothing found": (changes, {"person": "u417", "since": "2025-11-01",
                                                             "until": "2025-11-01", "action": 0}),
        "changes, 200 rows a page": (changes, {"per_page": 200}),
        "security, no filter": (security, {}),
        "security, refusals": (security, {"kind": "refused"}),
        "security, one person": (security, {"person": "u417"}),
        "security, one address": (security, {"address": "10.0.17.18"}),
    }
    results = {}
    for name, (url, params) in pages.items():
        times = []
        for _run in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        results[name] = (statistics.median(times), len(queries))
    # The eleventh page, reached by following the "next page" links.
    def next_url(response) -> str:
        found = re.search(r'href="(\?[^"]*after=[^"]*)" rel="next"', response.content.decode())
        assert found, "no next page"
        return changes + html.unescape(found.group(1))

    page = client.get(changes, {"per_page": 50})
    for _page in range(9):
        page = client.get(next_url(page))
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        client.get(next_url(page))
    results["changes, 11th page (cursor)"] = ((time.perf_counter() - began) * 1000, len(queries))
    for name, url in (("export of changes", reverse("audit:changes-export")),
                      ("export of security events", reverse("audit:security-export"))):
        began = time.perf_counter()
        response = client.get(url)
        size = sum(len(chunk) for chunk in response.streaming_content)
        results[f"{name} ({settings.AUDIT_EXPORT_MAX_ROWS:,} rows, {size / 1e6:.1f} MB)"] = (
            (time.perf_counter() - began) * 1000, 0)
    print(f"\n{connection.vendor}, {ROWS:,} changes and {ROWS:,} security events (median ms, queries):\n")
    for name, (ms, count) in results.items():
        print(f"| {name} | {ms:,.0f} | {count} |")


if __name__ == "__main__":
    main()
