"""A supervision run reads the items, their events and the citizen reports through indexes, on
SQLite and on PostgreSQL: every query of `supervise()` that reads those tables is explained, and
none may scan a whole table (speed itself is measured in bench/supervise.py).

PostgreSQL prefers a sequential scan of a small table, so the planner is told to avoid one
(`enable_seqscan = off`): a Seq Scan in the plan then means that no index could serve.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.calendar import WorkingCalendar
from campaign.people import People
from inspections import workflow
from inspections.models import CitizenReport, Rectification, RectificationEvent, SupervisionRules
from inspections.supervision import Round, supervise
from tests import factories

pytestmark = pytest.mark.django_db

TABLES = [Rectification._meta.db_table, RectificationEvent._meta.db_table,
          CitizenReport._meta.db_table]
ZONE = ZoneInfo("Asia/Shanghai")


def _plan(sql: str, params=None) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[3] for row in cursor.fetchall()]


def _full_scans(plan: list[str]) -> list[str]:
    if connection.vendor == "postgresql":
        return [line for line in plan for table in TABLES if f"Seq Scan on {table}" in line]
    # SQLite: "SCAN <table>" alone reads every row; "SCAN <table> USING INDEX" walks an index.
    return [line for line in plan for table in TABLES
            if line.strip().split(" AS ")[0] in (f"SCAN {table}",)]


def test_no_supervision_query_scans_a_whole_table(tree, people):
    campaign = tree["city"].campaign
    campaign.start, campaign.end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    campaign.save()
    filed = dt.datetime(2026, 3, 2, 9, tzinfo=ZONE)
    for n in range(6):
        factories.file_item((tree["street_a"], tree["lane_a"], tree["street_b"])[n % 3],
                            by=people["coordinator"], at=filed,
                            deadline=filed + dt.timedelta(days=n))
    with time_machine.travel(filed, tick=False):
        CitizenReport.objects.create(campaign=campaign, tracking_code="P1", description="x",
                                     location="y")
    with time_machine.travel(dt.datetime(2026, 3, 6, 0, 1, tzinfo=ZONE), tick=False):
        # A visit entered late: recorded since the last run, filed as of the visit.
        workflow.file_rectification(unit=tree["street_a"], title="x", by=people["coordinator"],
                                    at=filed, deadline=filed + dt.timedelta(days=1))
    with time_machine.travel(dt.datetime(2026, 3, 6, 0, 5, tzinfo=ZONE), tick=False), \
            CaptureQueriesContext(connection) as captured:
        supervise()
    queries = [query["sql"] for query in captured.captured_queries
               if query["sql"].startswith("SELECT")
               and any(f'FROM "{table}"' in query["sql"] for table in TABLES)]
    # due soon, due today, the two overdue steps, verification, re-routing, rework, triage.
    assert len(queries) >= 8
    for sql in queries:
        plan = _plan(sql)
        assert not _full_scans(plan), (sql, plan)


def test_the_steps_recorded_since_the_last_run_are_read_on_their_index(tree):
    campaign = tree["city"].campaign
    now = dt.datetime(2026, 3, 6, 0, 5, tzinfo=ZONE)
    round_ = Round(campaign=campaign, rules=SupervisionRules(campaign=campaign),
                   calendar=WorkingCalendar(campaign, strict=False), people=People(campaign),
                   now=now, since=now - dt.timedelta(minutes=10))
    plan = _plan(*round_.changed_items().query.sql_with_params())
    assert any("event_recorded_idx" in line for line in plan), plan


def test_the_check_sees_a_full_scan():
    assert _full_scans(_plan(f'SELECT id FROM "{TABLES[0]}" WHERE title = \'x\''))
