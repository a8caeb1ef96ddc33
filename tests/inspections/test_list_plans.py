"""The item lists and the ledger read the items through an index at every filter and sort, on
SQLite and on PostgreSQL: every query of the page that reads the items table is explained, and
none may scan the whole table. (Speed itself is measured in bench/, never here.)

PostgreSQL prefers a sequential scan of a small table, so the planner is told to avoid one
(`enable_seqscan = off`): a Seq Scan in the plan then means that no index could serve.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections.models import Rectification
from tests import factories

pytestmark = pytest.mark.django_db

ITEMS = Rectification._meta.db_table
LIST = reverse("inspections:rectification-list")
LEDGER = reverse("inspections:rectification-ledger")


def _plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[3] for row in cursor.fetchall()]


def _full_scans(plan: list[str]) -> list[str]:
    if connection.vendor == "postgresql":
        return [line for line in plan if f"Seq Scan on {ITEMS}" in line]
    # SQLite: "SCAN <table>" alone reads every row; "SCAN <table> USING INDEX" walks an index.
    return [line for line in plan if line.strip() in (f"SCAN {ITEMS}", f"SCAN {ITEMS} AS r")]


def _item_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries if f'FROM "{ITEMS}"' in query["sql"]]


@pytest.fixture
def items(tree, people):
    for n in range(12):
        unit = (tree["street_a"], tree["lane_a"], tree["street_b"])[n % 3]
        factories.file_item(unit, by=people["inspector"], title=f"问题{n}")


def _urls(tree, categories):
    street = tree["street_a"].pk
    return [
        LIST, f"{LIST}?status=open", f"{LIST}?status=rework&sort=deadline", f"{LIST}?overdue=on",
        f"{LIST}?due_soon=on", f"{LIST}?unit={street}", f"{LIST}?sort=code", f"{LIST}?sort=-status",
        f"{LIST}?sort=deadline&overdue=on", LEDGER, f"{LEDGER}?status=closed&unit={street}",
        f"{LEDGER}?month=2019-07&point_kind=back_street&category={categories[0]}",
    ] + ([
        # A search text (issue 12): 3+ characters (the trigram indexes) and 2 (the sort's index).
        # SQLite with no statistics (a test database) reads a dozen rows' table whole for an OR
        # of LIKEs; on the analyzed city data set it reads rect_unit_status_idx (bench/search.py).
        f"{LIST}?q=问题11&status=open", f"{LEDGER}?q=问题",
    ] if connection.vendor == "postgresql" else [])


@pytest.mark.parametrize("who", ["coordinator", "staff"])
def test_no_list_query_scans_the_items_table(client, tree, people, items, who):
    category = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign).category
    client.force_login(people[who])
    checked = 0
    for url in _urls(tree, [category.pk]):
        queries = _item_queries(client, url)
        assert queries, url
        for sql in queries:
            plan = _plan(sql)
            assert not _full_scans(plan), (url, sql, plan)
            checked += 1
    # Every page's item queries were explained: the page, its count when filtered, and on the
    # list the four quick-filter counts.
    assert checked >= 12 * 2


def test_the_check_sees_a_full_scan():
    # A filter on a column no index leads with: the check must catch it, or it proves nothing.
    assert _full_scans(_plan(f"SELECT id FROM \"{ITEMS}\" WHERE title = 'x'"))
