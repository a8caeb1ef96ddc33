"""Benchmark of the monthly scoring (issue 4): not a timed test.

    .venv/bin/python bench/scoring.py                     # SQLite, and PostgreSQL if DATABASE_URL is set
    .venv/bin/python bench/scoring.py --only sqlite --requests 50

Builds (or reuses) a city-sized data set: 1,000 units, 5,000 points, 200,000 visits and
1,000,000 rectification items (with their events) over three years, all by bulk_create. Then
reports, for each database: the time to compute one month for every peer group, and the p50 of
the rankings page (a published month, from the frozen rows), a unit's drill-down and its trend,
each as a ratio to a logged-in floor page (the home page) measured in the same run.

Each database runs in a child process (Django is configured once per process). SQLite data
lives in bench/out/scoring.sqlite3 (DJANGO_SQLITE_PATH overrides); PostgreSQL uses DATABASE_URL
as given, so point it at a database you can spare.
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN_KEY = "bench-city"
START = dt.date(2018, 1, 1)
MONTHS = 36
SIZES = {"districts": 10, "streets": 10, "lanes": 9, "points": 5_000, "visits": 200_000,
         "items": 1_000_000}


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Debug stays on for the static files storage, but the connection must not keep a log of
    # millions of inserted rows.
    settings.DEBUG = False

    call_command("migrate", verbosity=0)


def _months():
    from campaign.periods import Month

    month = Month.of(START)
    for _n in range(MONTHS):
        yield month
        month = month.next()


def build(seed: int = 2018, log=print):
    """Create the data set once; later runs find it by the campaign key and reuse it."""
    from django.db import transaction

    from campaign.models import Campaign, Membership, Point, User
    from campaign.services import create_unit
    from inspections.models import Inspection, Rectification, RectificationEvent

    campaign = Campaign.objects.filter(key=CAMPAIGN_KEY).first()
    if campaign is not None and Rectification.objects.filter(campaign=campaign).count() >= SIZES["items"]:
        return campaign
    if campaign is not None:
        raise SystemExit(f"An incomplete bench data set exists (campaign {CAMPAIGN_KEY}); "
                         "delete the bench database and run again.")
    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        campaign = Campaign.objects.create(key=CAMPAIGN_KEY, name="基准测试城市", city="基准市",
                                           start=START, end=dt.date(2020, 12, 31))
        hq = create_unit(parent=None, campaign=campaign, kind="headquarters", name="指挥部", code="B")
        leaves = []
        for d in range(SIZES["districts"]):
            district = create_unit(parent=hq, kind="district", name=f"区{d}", code=f"B{d}")
            for s in range(SIZES["streets"]):
                street = create_unit(parent=district, kind="street", name=f"街道{d}-{s}",
                                     code=f"B{d}-{s}")
                leaves.append(street)
                for lane in range(SIZES["lanes"]):
                    leaves.append(create_unit(parent=street, kind="lane_office",
                                              name=f"巷{d}-{s}-{lane}", code=f"B{d}-{s}-{lane}"))
        user = User.objects.create(username="bench-coordinator", name="基准协调员")
        Membership.objects.create(user=user, unit=hq, role="coordinator")
        points = Point.objects.bulk_create([
            Point(campaign=campaign, unit=rng.choice(leaves), kind="back_street",
                  code=f"BP{n:05d}", name=f"点位{n}")
            for n in range(SIZES["points"])
        ], batch_size=5000)
    log(f"  units and points: {time.perf_counter() - started:.1f} s")
    zone = dt.timezone(dt.timedelta(hours=8))
    span = (dt.datetime(2021, 1, 1, tzinfo=zone) - dt.datetime(2018, 1, 1, tzinfo=zone)).total_seconds()
    origin = dt.datetime(2018, 1, 1, tzinfo=zone)

    def moment() -> dt.datetime:
        return origin + dt.timedelta(seconds=rng.random() * span)

    hundred = Decimal(100)
    for _chunk in range(0, SIZES["visits"], 20_000):
        with transaction.atomic():
            visits = []
            for _n in range(20_000):
                point = rng.choice(points)
                visits.append(Inspection(
                    campaign=campaign, point=point, unit_id=point.unit_id, inspector=user,
                    mode="covert", visited_at=moment(), points_possible=hundred,
                    points_deducted=Decimal(rng.choice([0, 0, 2, 4, 5, 6, 8, 10, 12, 15, 20])),
                ))
            Inspection.objects.bulk_create(visits, batch_size=5000)
    log(f"  visits: {time.perf_counter() - started:.1f} s")
    leaf_ids = [unit.pk for unit in leaves]
    for chunk in range(0, SIZES["items"], 50_000):
        with transaction.atomic():
            items = []
            for n in range(chunk, chunk + 50_000):
                deadline = moment()
                items.append(Rectification(
                    code=f"B{n:07d}", campaign=campaign, unit_id=rng.choice(leaf_ids),
                    source="standalone", title="基准事项", status="closed", deadline=deadline,
                    created_by=user, created_at=deadline - dt.timedelta(days=3),
                ))
            Rectification.objects.bulk_create(items, batch_size=5000)
            events = []
            for item in items:
                at = item.created_at
                events.append(RectificationEvent(rectification=item, action="filed", to_status="open",
                                                 actor=user, created_at=at))
                roll = rng.random()
                submitted = item.deadline + dt.timedelta(hours=rng.uniform(-60, 30))
                if roll < 0.1:       # returned once, fixed again
                    events.append(RectificationEvent(rectification=item, action="submitted",
                                                     to_status="submitted", actor=user,
                                                     created_at=submitted - dt.timedelta(hours=20)))
                    events.append(RectificationEvent(rectification=item, action="returned",
                                                     to_status="rework", actor=user,
                                                     created_at=submitted - dt.timedelta(hours=10)))
                events.append(RectificationEvent(rectification=item, action="submitted",
                                                 to_status="submitted", actor=user, created_at=submitted))
                events.append(RectificationEvent(rectification=item, action="closed",
                                                 to_status="closed", actor=user,
                                                 created_at=submitted + dt.timedelta(hours=5)))
            RectificationEvent.objects.bulk_create(events, batch_size=5000)
        log(f"  items {chunk + 50_000:,}: {time.perf_counter() - started:.1f} s")
    return campaign


def _p50(client, url: str, runs: int) -> float:
    client.get(url)   # warm caches and the connection
    times = []
    for _n in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000


def measure(runs: int, log=print) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from campaign.models import Unit, User
    from campaign.periods import Month
    from inspections.rankings.queries import compute_all_groups, compute_month
    from inspections.rankings.services import publish_bulletin, revise_bulletin

    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    campaign = build(log=log)
    # Planner statistics, as a live database has them after autovacuum (PostgreSQL) or an
    # occasional ANALYZE (SQLite); without them PostgreSQL nests loops over a million rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    target = Month(2020, 6)
    parents = list(Unit.objects.filter(campaign=campaign, children__isnull=False).distinct())
    compute_month(campaign, target, parents[0])       # warm up
    started = time.perf_counter()
    for parent in parents:
        compute_month(campaign, target, parent)
    all_groups = time.perf_counter() - started
    compute_all_groups(campaign, target)
    started = time.perf_counter()
    compute_all_groups(campaign, target)
    one_pass = time.perf_counter() - started
    district = Unit.objects.get(campaign=campaign, code="B3")
    street = Unit.objects.get(campaign=campaign, code="B3-4")
    for month in list(_months())[-12:]:
        bulletin, _created = publish_bulletin(campaign, month, district, by=None)
    # A later run finds the months published: time a correction of the last one, which computes
    # and freezes the group exactly as publishing does.
    started = time.perf_counter()
    revise_bulletin(bulletin, by=None, reason="bench")
    publish_month = time.perf_counter() - started
    client = Client()
    client.force_login(User.objects.get(username="bench-coordinator"))
    floor = _p50(client, "/", runs)
    figures = {
        "database": connection.vendor,
        "peer_groups": len(parents),
        "compute_month_each_group_ms": round(all_groups * 1000, 1),
        "compute_all_groups_one_pass_ms": round(one_pass * 1000, 1),
        "publish_or_revise_one_group_ms": round(publish_month * 1000, 1),
        "floor_ms": round(floor, 2),
    }
    pages = {
        "rankings_published": f"/rankings/?parent={district.pk}&month=2020-12",
        "rankings_draft": f"/rankings/?parent={district.pk}&month={target}",
        "drill_down_published": f"/rankings/units/{street.pk}/?month=2020-12",
        "drill_down_draft": f"/rankings/units/{street.pk}/?month={target}",
        "trend": f"/rankings/units/{street.pk}/trend/",
    }
    for name, url in pages.items():
        p50 = _p50(client, url, runs)
        figures[f"{name}_ms"] = round(p50, 2)
        figures[f"{name}_ratio"] = round(p50 / floor, 2)
    return figures


def add_arguments(group) -> None:
    """Options when run through bench/run.py (`make bench`)."""
    group.add_argument("--scoring-only", choices=["sqlite", "postgres"])
    group.add_argument("--scoring-requests", type=int, default=30)


def run(options) -> list[dict]:
    """Entry for bench/run.py."""
    return run_all(only=options.scoring_only, requests=options.scoring_requests)


def run_all(*, only: str | None = None, requests: int = 30) -> list[dict]:
    """Run the benchmark on SQLite and (when DATABASE_URL is set) PostgreSQL, each in a child
    process; returns the figures per database."""
    targets = []
    if only in (None, "sqlite"):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.setdefault("DJANGO_SQLITE_PATH", str(ROOT / "bench" / "out" / "scoring.sqlite3"))
        Path(env["DJANGO_SQLITE_PATH"]).parent.mkdir(parents=True, exist_ok=True)
        targets.append(("sqlite", env))
    if only in (None, "postgres") and os.environ.get("DATABASE_URL"):
        targets.append(("postgres", dict(os.environ)))
    results = []
    for label, env in targets:
        print(f"[{label}] building or reusing the data set, then measuring…", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "--child", "--requests", str(requests)],
            env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )
        if child.returncode:
            raise SystemExit(f"[{label}] failed")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(figures)
        for key, value in figures.items():
            print(f"  {key:>28}: {value}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup()
        figures = measure(args.requests, log=lambda text: print(text, file=sys.stderr, flush=True))
        print(json.dumps(figures))
        return
    run_all(only=args.only, requests=args.requests)


if __name__ == "__main__":
    main()
