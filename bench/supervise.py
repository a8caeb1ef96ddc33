"""`supervise()` (督办) on the city data set (`bench/dataset.py`: 1,011 units, 1,000,000 items),
in-process, for each database (SQLite, and PostgreSQL when DATABASE_URL is set).

The data set has one coordinator; for the reminders to have recipients, every unit is given two
staff, every district and street a coordinator and an inspector, every district a leader in
charge, inside a transaction that is rolled back at the end of each repetition (with everything
the runs wrote), so the data set is left as it was. Timed, each in its own repetition:

- the first run of the campaign (no earlier run: it looks back LOOK_BACK, 2 days),
- the same at noon on the last Wednesday before the build (two working days looked back, where
  a Monday morning's two days are a weekend; the items filed after that noon are there too),
- the same with a 7-day look-back (what a longer LOOK_BACK would cost: the catch-up after a
  week without runs),
- a run 5 minutes after it (the steady state of a scheduler every 5 minutes),
- the same run again at once (everything already told: the cost of idempotency).

`python bench/supervise.py [--supervise-only sqlite|postgres] [--supervise-runs N]`; prints the
median milliseconds, the notifications made and the queries of each.
"""

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_arguments(group) -> None:
    group.add_argument("--supervise-only", choices=["sqlite", "postgres"], help="one database only")
    group.add_argument("--supervise-runs", type=int, default=3, help="timed repetitions")


def run(options) -> dict:
    """Measure on each database in a child process; print and return {database: figures}."""
    from pages import in_children, print_table

    results = in_children(__file__, options.supervise_only, options.supervise_runs, "supervise",
                          DJANGO_DEBUG="0", DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench"))
    print_table("supervise() over the city (median ms; notifications made; queries)", "run", results,
                lambda c: f"{c['ms']:,.0f} ms; {c['notifications']:,}; {c['queries']:,}")
    return results


def _staff_the_city(campaign) -> None:
    """Recipients for every rule (written inside the caller's transaction)."""
    from campaign.models import LeaderCharge, Membership, Unit, User

    units = list(Unit.objects.filter(campaign=campaign).only("id", "kind"))
    users, roles = [], []
    for unit in units:
        wanted = ["unit_staff", "unit_staff"]
        if unit.kind in ("district", "street"):
            wanted += ["coordinator", "inspector"]
        for n, role in enumerate(wanted):
            users.append(User(username=f"bench-s-{unit.pk}-{n}", name=f"基准{role}{unit.pk}"))
            roles.append((unit, role))
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(username__startswith="bench-s-").order_by("pk"))
    by_name = {user.username: user for user in users}
    memberships, n_by_unit = [], {}
    for unit, role in roles:
        n = n_by_unit.get(unit.pk, 0)
        n_by_unit[unit.pk] = n + 1
        memberships.append(Membership(user=by_name[f"bench-s-{unit.pk}-{n}"], unit=unit, role=role))
    Membership.objects.bulk_create(memberships, batch_size=2000)
    leaders = [User(username=f"bench-l-{unit.pk}", name="基准包联领导")
               for unit in units if unit.kind == "district"]
    User.objects.bulk_create(leaders)
    LeaderCharge.objects.bulk_create([
        LeaderCharge(leader=User.objects.get(username=f"bench-l-{unit.pk}"), unit=unit)
        for unit in units if unit.kind == "district"])


class _Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


def _timed(call) -> dict:
    from django.db import connection

    counter = _Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        outcomes = call()
        ms = (time.perf_counter() - started) * 1000
    made = sum(sum(outcome.counts.values()) for outcome in outcomes if outcome.counts)
    kinds = {kind: n for outcome in outcomes for kind, n in (outcome.counts or {}).items() if n}
    print(f"  {ms:,.0f} ms {counter.queries} queries {kinds}", file=sys.stderr, flush=True)
    return {"ms": ms, "notifications": made, "queries": counter.queries}


def measure(runs: int) -> dict:
    """The figures on the database Django is configured for (the data set built if missing)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import dataset

    dataset.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from inspections import supervision
    from inspections.supervision import supervise

    campaign = dataset.build(log=lambda text: print(text, file=sys.stderr, flush=True))
    with connection.cursor() as cursor:   # statistics for the indexes the migration added
        cursor.execute("ANALYZE")
    now = timezone.now()
    later = now + dt.timedelta(minutes=5)
    local = timezone.localtime(now, dataset.ZONE)
    back = (local.weekday() - 2) % 7 or 7
    wednesday = (local - dt.timedelta(days=back)).replace(hour=12, minute=0, second=0, microsecond=0)
    samples: dict[str, list[dict]] = {}

    def repetition(steps, look_back=supervision.LOOK_BACK):
        kept, supervision.LOOK_BACK = supervision.LOOK_BACK, look_back
        try:
            with transaction.atomic():
                _staff_the_city(campaign)
                # Statistics for the people just added, as autovacuum keeps them on a real
                # install (without them PostgreSQL joins memberships row by row: 0.4 s a run).
                with connection.cursor() as cursor:
                    for table in ("campaign_membership", "campaign_user", "campaign_leadercharge"):
                        cursor.execute(f"ANALYZE {table}")
                for name, moment, timed in steps:
                    result = _timed(lambda m=moment: supervise(campaigns=[campaign], now=m))
                    if timed:
                        samples.setdefault(name, []).append(result)
                transaction.set_rollback(True)
        finally:
            supervision.LOOK_BACK = kept

    first = f"first run (looks back {supervision.LOOK_BACK.days} days)"
    midweek = f"first run, Wednesday noon ({wednesday:%Y-%m-%d})"
    week = "first run looking back 7 days (a week's catch-up)"
    steady = "a run 5 minutes later"
    again = "the same run again at once (all told)"
    for _n in range(runs):
        repetition([(first, now, True)])
        repetition([(midweek, wednesday, True)])
        repetition([(week, now, True)], look_back=dt.timedelta(days=7))
        repetition([(first, now, False), (steady, later, True), (again, later, True)])
    return {name: {"ms": statistics.median(s["ms"] for s in results),
                   "notifications": results[0]["notifications"],
                   "queries": results[0]["queries"]}
            for name, results in samples.items()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        import argparse

        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        add_arguments(parser)
        run(parser.parse_args())
