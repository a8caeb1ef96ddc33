"""The search box on the city data set (`bench/dataset.py`): a million items, as the city
coordinator (who sees every item), in-process through Django's test client (the view, its
queries and its template; no HTTP server).

Each query is timed as the median of several runs, on SQLite and on PostgreSQL (when
DATABASE_URL is set): an exact code typed in lower case (a redirect), a 4-character Chinese
title query that every item matches (基准事项) and one that none does (占道经营), the same for 2
characters (事项, 垃圾: no trigram on PostgreSQL; both databases then read at most the newest
SCAN_MAX items, as SQLite does for every text), a point name, and
the item list filtered by a query that matches nothing, with a status. Matching nothing is the
worst case: no early stop after a page of results.

The data set is read, never changed (migrations aside: run it on a copy, see README).
"""

import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

QUERIES = {
    "exact code, lower case (redirect)": ("search", "b0500000"),
    "4 characters, every item matches (基准事项)": ("search", "基准事项"),
    "4 characters, no item matches (占道经营)": ("search", "占道经营"),
    "2 characters, every item matches (事项)": ("search", "事项"),
    "2 characters, no item matches (垃圾)": ("search", "垃圾"),
    "point name (点位4321)": ("search", "点位4321"),
    "item list, q matching nothing + status": ("list", "占道经营"),
    "item list, q of 4 characters matching nothing": ("list-all", "占道经营"),
    "item list, q of 2 characters matching nothing": ("list-all", "垃圾"),
}


def add_arguments(group) -> None:
    group.add_argument("--search-only", choices=["sqlite", "postgres"], help="one database only")
    group.add_argument("--search-runs", type=int, default=5, help="timed runs of each query")


def run(options) -> None:
    from pages import in_children, print_table

    results = in_children(__file__, options.search_only, options.search_runs, "search")
    print_table("Search as the city coordinator (median of runs, ms; status, queries)", "query",
                results, lambda c: f"{c['ms']:,.0f} ({c['status']}, {c['queries']} q)")


def child(runs: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    import dataset

    dataset.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from campaign.models import User

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    settings.TWO_FACTOR_REQUIRED = False   # a password-only login below
    dataset.build(log=lambda text: print(text, file=sys.stderr, flush=True))
    client = Client()
    client.force_login(User.objects.get(username=dataset.COORDINATOR))
    urls = {"search": reverse("inspections:search"), "list": reverse("inspections:rectification-list"),
            "list-all": reverse("inspections:rectification-list")}
    results = {}
    for name, (page, text) in QUERIES.items():
        params = {"q": text, **({"status": "open"} if page == "list" else {})}
        url = f"{urls[page]}?{urlencode(params)}"
        executed: list[str] = []

        def count(execute, sql, *args, executed=executed):
            executed.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            status = client.get(url).status_code
        times = []
        for _n in range(runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {"ms": statistics.median(times), "status": status,
                         "queries": len(executed)}
        print(f"  {name}: {results[name]['ms']:,.0f} ms", file=sys.stderr, flush=True)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        import argparse

        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        add_arguments(parser)
        run(parser.parse_args())
