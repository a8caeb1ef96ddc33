"""The monthly scoring's computations on the city data set (`bench/dataset.py`), in-process.

For each database (SQLite, and PostgreSQL when DATABASE_URL is set), on the draft month of the
data set, with the live cache bypassed (`fresh=True`) so every figure is read from the rows:

- every peer group of the city in one pass (`compute_all_groups`),
- the same, group by group (`compute_month` for each of the 111 parents),
- publishing one district's month (compute and freeze), inside a transaction rolled back, so
  the data set is left as it was.

The pages that show these figures are timed over HTTP by `bench/pages.py`.
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def add_arguments(group) -> None:
    group.add_argument("--scoring-only", choices=["sqlite", "postgres"], help="one database only")
    group.add_argument("--scoring-runs", type=int, default=3, help="timed runs of each computation")


def run(options) -> None:
    from pages import in_children, print_table

    results = in_children(__file__, options.scoring_only, options.scoring_runs, "scoring computations")
    print_table("Scoring computations (median of runs, ms)", "computation", results,
                lambda ms: f"{ms:,.0f}")


def _median_ms(call, runs: int) -> float:
    times = []
    for _n in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def child(runs: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    import dataset

    dataset.setup()
    from django.conf import settings
    from django.db import transaction

    from campaign.models import Unit
    from inspections.rankings.queries import compute_all_groups, compute_month
    from inspections.rankings.services import publish_bulletin

    settings.DEBUG = False
    campaign = dataset.build(log=lambda text: print(text, file=sys.stderr, flush=True))
    _first, draft = dataset.months_of(campaign)
    parents = list(Unit.objects.filter(campaign=campaign, children__isnull=False).distinct())
    district = Unit.objects.get(campaign=campaign, code="B5")

    def publish_and_roll_back():
        with transaction.atomic():
            publish_bulletin(campaign, draft, district, by=None)
            transaction.set_rollback(True)

    return {
        f"every peer group in one pass ({len(parents)} groups)":
            _median_ms(lambda: compute_all_groups(campaign, draft, fresh=True), runs),
        "compute_month called per group":
            _median_ms(lambda: [compute_month(campaign, draft, p, fresh=True) for p in parents], runs),
        "publish one district's month (rolled back)": _median_ms(publish_and_roll_back, runs),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        import argparse

        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        add_arguments(parser)
        run(parser.parse_args())
