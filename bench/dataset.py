"""One city-sized data set for every benchmark, built once per database and never changed by a run.

A city of 1,011 units (headquarters, 10 districts, 100 streets, 900 lane-chief offices), 5,000
points, a standard of 40 criteria, 200,000 visits and 1,000,000 items with their events over the
36 months before the build, in the state mix of a busy campaign (about four in ten items still
pending, the worst case for scoping and counting). The last complete month before the build is
the draft month (live, never published); the 12 months before it are published for the city's
districts and for one district's streets. `python bench/dataset.py` builds it on the database the
environment names (DATABASE_URL, else DJANGO_SQLITE_PATH); a second run finds it and stops.
"""

import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN_KEY = "bench-city"
COORDINATOR = "bench-coordinator"
SIZES = {"districts": 10, "streets": 10, "lanes": 9, "points": 5_000, "criteria": 40,
         "visits": 200_000, "items": 1_000_000}
MONTHS = 36
PUBLISHED = 12
# Status mix (the share of each status among all items).
STATUS_MIX = {"open": 10, "acknowledged": 10, "submitted": 10, "rework": 8,
              "returned_to_dispatch": 3, "closed": 55, "voided": 4}
ZONE = ZoneInfo("Asia/Shanghai")


def setup() -> None:
    """Django on the database the environment names, with migrations applied."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def months_of(campaign):
    """(first month, draft month) of the data set, read from the campaign the build made."""
    from campaign.periods import Month

    first = Month.of(campaign.start)
    draft = first
    for _n in range(MONTHS - 1):
        draft = draft.next()
    return first, draft


def build(log=print):
    """The data set's campaign: found, or built now."""
    from campaign.models import Campaign
    from inspections.models import Rectification

    campaign = Campaign.objects.filter(key=CAMPAIGN_KEY).first()
    if campaign is not None and Rectification.objects.filter(campaign=campaign).count() >= SIZES["items"]:
        return campaign
    if campaign is not None:
        raise SystemExit(f"An incomplete data set exists (campaign {CAMPAIGN_KEY}); "
                         "drop the bench database and run again.")
    started = time.perf_counter()
    campaign = _build(random.Random(2018), log, started)
    _analyze()
    _publish(campaign, log)
    log(f"  built in {time.perf_counter() - started:.0f} s")
    return campaign


def _build(rng: random.Random, log, started: float):
    from django.db import transaction

    from campaign.models import Campaign, Category, Criterion, Membership, Point, Standard, User
    from campaign.periods import Month
    from campaign.services import create_unit
    from inspections.models import Inspection, Rectification, RectificationEvent

    today = dt.date.today()
    first = Month.of(today)
    for _n in range(MONTHS):
        first = first.previous()
    now = dt.datetime.now(ZONE)
    origin = dt.datetime(first.year, first.month, 1, tzinfo=ZONE)
    span = (now - origin).total_seconds()

    def moment() -> dt.datetime:
        return origin + dt.timedelta(seconds=rng.random() * span)

    with transaction.atomic():
        campaign = Campaign.objects.create(
            key=CAMPAIGN_KEY, name="基准测试城市", city="基准市", start=origin.date(),
            end=today + dt.timedelta(days=365))
        hq = create_unit(parent=None, campaign=campaign, kind="headquarters", name="指挥部", code="B")
        leaves = []
        for d in range(SIZES["districts"]):
            district = create_unit(parent=hq, kind="district", name=f"区{d}", code=f"B{d}")
            for s in range(SIZES["streets"]):
                street = create_unit(parent=district, kind="street", name=f"街道{d}-{s}", code=f"B{d}-{s}")
                leaves.append(street)
                for lane in range(SIZES["lanes"]):
                    leaves.append(create_unit(parent=street, kind="lane_office",
                                              name=f"巷{d}-{s}-{lane}", code=f"B{d}-{s}-{lane}"))
        user = User.objects.create(username=COORDINATOR, name="基准协调员")
        Membership.objects.create(user=user, unit=hq, role="coordinator")
        standard = Standard.objects.create(campaign=campaign, key="bench", name="基准测评标准")
        category = Category.objects.create(standard=standard, key="street", name="街巷环境")
        criteria = Criterion.objects.bulk_create([
            Criterion(category=category, key=f"c{n}", name=f"测评细则{n}", order=n,
                      points=Decimal(rng.choice([1, 2, 3, 5])), deadline_days=rng.choice([1, 3, 7]))
            for n in range(SIZES["criteria"])
        ])
        points = Point.objects.bulk_create([
            Point(campaign=campaign, unit=rng.choice(leaves), kind="back_street",
                  code=f"BP{n:05d}", name=f"点位{n}")
            for n in range(SIZES["points"])
        ], batch_size=5000)
    log(f"  units, criteria and points: {time.perf_counter() - started:.1f} s")
    hundred = Decimal(100)
    for _chunk in range(0, SIZES["visits"], 20_000):
        with transaction.atomic():
            Inspection.objects.bulk_create([
                Inspection(campaign=campaign, point=point, unit_id=point.unit_id, inspector=user,
                           mode="covert", visited_at=moment(), points_possible=hundred,
                           points_deducted=Decimal(rng.choice([0, 0, 2, 4, 5, 6, 8, 10, 12, 15, 20])))
                for point in (rng.choice(points) for _n in range(20_000))
            ], batch_size=5000)
    log(f"  visits: {time.perf_counter() - started:.1f} s")
    statuses, weights = list(STATUS_MIX), list(STATUS_MIX.values())
    criterion_ids = [criterion.pk for criterion in criteria]
    for chunk in range(0, SIZES["items"], 50_000):
        with transaction.atomic():
            items = []
            for n in range(chunk, chunk + 50_000):
                point = rng.choice(points)
                created = moment()
                status = rng.choices(statuses, weights)[0]
                deadline = created + dt.timedelta(days=rng.choice([1, 3, 3, 7, 15]))
                items.append(Rectification(
                    code=f"B{n:07d}", campaign=campaign, unit_id=point.unit_id, source="finding",
                    point=point, criterion_id=rng.choice(criterion_ids), title=f"基准事项{n}",
                    status=status, deadline=deadline, created_by=user, created_at=created,
                    rework_count=1 if status == "rework" else 0,
                ))
            for item in items:
                _settle(item, rng, now)
            Rectification.objects.bulk_create(items, batch_size=5000)
            RectificationEvent.objects.bulk_create(
                [event for item in items for event in _events(item, user)], batch_size=5000)
        log(f"  items {chunk + 50_000:,}: {time.perf_counter() - started:.1f} s")
    return campaign


def _settle(item, rng: random.Random, now: dt.datetime) -> None:
    """Submission and closing moments that fit the item's status, never after now."""
    fixed = item.deadline + dt.timedelta(hours=rng.uniform(-60, 30))
    fixed = min(max(fixed, item.created_at + dt.timedelta(hours=1)), now)
    if item.status in ("submitted", "closed"):
        item.submitted_at = fixed
    if item.status == "closed":
        item.closed_at = min(fixed + dt.timedelta(hours=5), now)
        item.method = "service"


def _events(item, user) -> list:
    """The item's history, step by step up to its status."""
    from inspections.models import RectificationEvent

    def event(action: str, to_status: str, at: dt.datetime, from_status: str = "") -> RectificationEvent:
        return RectificationEvent(rectification=item, action=action, from_status=from_status,
                                  to_status=to_status, actor=user, created_at=at,
                                  recorded_at=at)

    filed = item.created_at
    events = [event("filed", "open", filed)]
    status = item.status
    if status == "acknowledged":
        events.append(event("acknowledged", status, filed + dt.timedelta(hours=2), "open"))
    elif status == "returned_to_dispatch":
        events.append(event("sent_back", status, filed + dt.timedelta(hours=3), "open"))
    elif status == "voided":
        events.append(event("voided", status, filed + dt.timedelta(hours=4), "open"))
    elif status == "rework":
        events.append(event("submitted", "submitted", filed + dt.timedelta(hours=20), "open"))
        events.append(event("returned", status, filed + dt.timedelta(hours=26), "submitted"))
    elif status in ("submitted", "closed"):
        events.append(event("submitted", "submitted", item.submitted_at, "open"))
        if status == "closed":
            events.append(event("closed", status, item.closed_at, "submitted"))
    return events


def _analyze() -> None:
    """Planner statistics, as a maintained install has them (autovacuum or a nightly ANALYZE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _publish(campaign, log) -> None:
    """The 12 months before the draft month, published for the city's districts and for the
    streets of district B3: what the published pages and the trend read."""
    from campaign.models import Unit
    from inspections.rankings.services import publish_bulletin

    started = time.perf_counter()
    _first, draft = months_of(campaign)
    month = draft
    parents = [Unit.objects.get(campaign=campaign, code="B"), Unit.objects.get(campaign=campaign, code="B3")]
    for _n in range(PUBLISHED):
        month = month.previous()
        for parent in parents:
            publish_bulletin(campaign, month, parent, by=None)
    log(f"  published {PUBLISHED} months for {len(parents)} groups: {time.perf_counter() - started:.1f} s")


def describe() -> dict:
    """What the page bench needs to know of the data set: logged-in session cookies (a city
    coordinator, and a superuser for the admin) and the ids its URLs name. Writes only sessions."""
    from django.test import Client

    from campaign.models import Category, Unit, User
    from inspections.models import Rectification

    campaign = build()
    first, draft = months_of(campaign)
    published = draft.previous()
    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    cookies = {}
    for user in (User.objects.get(username=COORDINATOR), admin):
        client = Client()
        client.force_login(user)
        cookies[user.username] = client.cookies["sessionid"].value
    items = Rectification.objects.filter(campaign=campaign)
    oldest = list(items.order_by("created_at", "id")[:51])[-1]
    item = items.filter(status="closed").order_by("-created_at", "-id").first()
    units = {unit.code: unit.pk
             for unit in Unit.objects.filter(campaign=campaign, code__in=["B", "B3", "B3-4"])}
    return {
        "cookies": cookies,
        "hq": units["B"], "district": units["B3"], "street": units["B3-4"],
        "category": Category.objects.filter(standard__campaign=campaign).values_list("pk", flat=True)[0],
        "draft": str(draft), "published": str(published), "past": str(published.previous().previous()),
        "first": str(first),
        "deep_cursor": f"{oldest.created_at.isoformat()}~{oldest.pk}",
        "item": item.pk,
        "items": items.count(),
    }


if __name__ == "__main__":
    setup()
    from django.conf import settings

    settings.DEBUG = False   # no log of millions of inserted rows
    if sys.argv[1:] == ["--describe"]:
        import json

        settings.ALLOWED_HOSTS = ["*"]
        print(json.dumps(describe()))
    else:
        build()
