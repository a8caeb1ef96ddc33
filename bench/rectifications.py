"""Rectification lists, ledger and item page over many items, as ratios to a logged-in floor page.

Builds (once; --rebuild to start again) the seeds' command tree, 5,000 points and --count items
(default 1,000,000) with bulk inserts, then times each page with Django's test client logged in
as a city coordinator, who sees every item: the worst case for scoping.
"""

import datetime as dt
import random
import time

from common import p50_interleaved, use_bench_database

BATCH = 5000
POINTS = 5000


def add_arguments(group) -> None:
    group.add_argument("--count", type=int, default=1_000_000, help="items to build")
    group.add_argument("--runs", type=int, default=30, help="timed requests per page")
    group.add_argument("--rebuild", action="store_true", help="drop the items and build again")


def run(options) -> None:
    where = use_bench_database("bench")
    print(f"Rectifications bench on {where}")
    coordinator = _build(options.count, options.rebuild)
    _measure(coordinator, options.runs)


def _build(count: int, rebuild: bool):
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from campaign.enums import PointKind, Role
    from campaign.models import Criterion, Membership, Point, Unit, User
    from inspections.enums import RectificationSource, RectificationStatus
    from inspections.models import Rectification, RectificationEvent

    call_command("load_seeds", verbosity=0)
    root = Unit.objects.get(key="ty-hq")
    user, _created = User.objects.get_or_create(username="bench-coordinator")
    for role in (Role.COORDINATOR, Role.UNIT_STAFF):
        Membership.objects.get_or_create(user=user, unit=root, role=role)
    if rebuild:
        RectificationEvent.objects.all().delete()
        Rectification.objects.all().delete()
    have = Rectification.objects.count()
    if have >= count:
        print(f"  {have:,} items already built (use --rebuild to start again)")
        _analyze()
        return user
    rng = random.Random(7)
    units = list(Unit.objects.filter(campaign=root.campaign, kind__in=["street", "lane_office"]))
    if Point.objects.filter(code__startswith="BENCH-").count() < POINTS:
        Point.objects.bulk_create([
            Point(campaign=root.campaign, unit=rng.choice(units), kind=rng.choice(PointKind.values),
                  code=f"BENCH-{n:05d}", name=f"测试点位{n}")
            for n in range(POINTS)
        ], batch_size=BATCH, ignore_conflicts=True)
    points = list(Point.objects.filter(code__startswith="BENCH-").values_list("pk", "unit_id"))
    criteria = list(Criterion.objects.filter(category__standard__campaign=root.campaign)
                    .values_list("pk", flat=True))
    statuses = (RectificationStatus.values, [10, 10, 10, 8, 3, 55, 4])
    start = timezone.make_aware(dt.datetime(2018, 6, 1))
    span = 3 * 365 * 24 * 3600
    started = time.perf_counter()
    for first in range(have, count, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, count)):
            point_pk, unit_pk = rng.choice(points)
            created = start + dt.timedelta(seconds=rng.randrange(span))
            status = rng.choices(*statuses)[0]
            rows.append(Rectification(
                code=f"B{n:08d}", campaign_id=root.campaign_id, unit_id=unit_pk,
                source=RectificationSource.FINDING, point_id=point_pk,
                criterion_id=rng.choice(criteria), title=f"测试事项{n}", status=status,
                deadline=created + dt.timedelta(days=rng.choice([0, 1, 3, 7, 15, 30])),
                rework_count=rng.choice([0, 0, 0, 1]), created_by=user, created_at=created,
                closed_at=created + dt.timedelta(days=2) if status == "closed" else None,
                method="service" if status == "closed" else "",
            ))
        with transaction.atomic():
            Rectification.objects.bulk_create(rows, batch_size=BATCH)
        if (first // BATCH) % 20 == 0:
            print(f"  {first + len(rows):,} items ({time.perf_counter() - started:.0f} s)")
    _analyze()
    print(f"  built {count - have:,} items in {time.perf_counter() - started:.0f} s")
    return user


def _analyze() -> None:
    """Planner statistics, as a maintained install has them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(user, runs: int) -> None:
    from django.test import Client

    from inspections import workflow
    from inspections.models import Rectification

    client = Client()
    client.force_login(user)
    item = Rectification.objects.filter(status="open").order_by("-created_at", "-pk").first()
    if not item.events.exists():   # a short history for the timeline
        item = workflow.acknowledge(item, by=user, version=None, note="收到")
        workflow.extend_deadline(item, by=user, version=None, reason="需协调",
                                 deadline=item.deadline + dt.timedelta(days=7))
    oldest = list(Rectification.objects.order_by("created_at", "id")[:51])[-1]
    deep = f"after={oldest.created_at.isoformat()}~{oldest.pk}".replace("+", "%2B")
    unit = item.unit_id
    pages = {
        "floor (home, logged in)": "/",
        "list, page 1": "/items/",
        "list, deepest page": f"/items/?{deep}",
        "list, filtered (status+unit, counted)": f"/items/?status=open&unit={unit}",
        "list, overdue": "/items/?overdue=on",
        "ledger, page 1": "/items/ledger/",
        "ledger, deepest page": f"/items/ledger/?{deep}",
        "item page": item.get_absolute_url(),
    }
    for url in pages.values():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    results = p50_interleaved(
        {name: (lambda url=url: client.get(url)) for name, url in pages.items()}, runs=runs)
    floor = results["floor (home, logged in)"]
    total = Rectification.objects.count()
    print(f"\n  {total:,} items; p50 over {runs} requests each")
    print(f"  {'page':40} {'p50 ms':>8} {'× floor':>8}")
    for name, value in results.items():
        print(f"  {name:40} {value:8.1f} {value / floor:8.2f}")
