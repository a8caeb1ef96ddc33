"""The search box (issue 12): an exact code opens the item, any other text lists items, points,
units and citizen reports in the person's scope; `q` on the item list, the ledger and its export."""

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from inspections import filters, workflow
from inspections.filters import QUERY_MAX, clean_query, items_matching
from inspections.models import CitizenReport, Rectification
from inspections.views.search import RESULTS_PER_GROUP
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)     # 10:00 in Shanghai
SEARCH = reverse("inspections:search")
LIST = reverse("inspections:rectification-list")
LEDGER = reverse("inspections:rectification-ledger")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _file(unit, people, title, *, minutes_ago=0, description=""):
    at = NOW - dt.timedelta(minutes=minutes_ago)
    return factories.file_item(unit, by=people["inspector"], title=title, description=description,
                               at=at, deadline=at + dt.timedelta(days=3))


def _search(client, text):
    return client.get(SEARCH, {"q": text})


def _titles(response, group="items"):
    return [row.title for row in response.context[group]["rows"]]


@pytest.fixture
def world(tree, people):
    """Items, points and units in street A (district A) and in street B (district B)."""
    items = {
        "a": _file(tree["street_a"], people, "占道经营", minutes_ago=30),
        "a_desc": _file(tree["lane_a"], people, "门前三包", minutes_ago=20,
                        description="早市占道经营，摊位出店"),
        "b": _file(tree["street_b"], people, "占道经营（乙区）", minutes_ago=10),
    }
    points = {
        "a": factories.PointFactory(unit=tree["street_a"], code="PA-01", name="迎泽大街",
                                    address="甲街道1号"),
        "b": factories.PointFactory(unit=tree["street_b"], code="PB-01", name="迎泽公园",
                                    address="乙街道2号"),
    }
    return {"items": items, "points": points}


def test_an_exact_code_in_any_case_opens_the_item(client, world, people):
    item = world["items"]["a"]
    response = _search(login(client, people["staff"]), f"  {item.code.lower()} ")
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()


def test_a_code_typed_in_full_width_characters_opens_the_item(client, world, people):
    """Chinese input methods type ＡＢ－１２ rather than AB-12: read the same (NFKC)."""
    item = world["items"]["a"]
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in item.code)
    assert full_width != item.code
    response = _search(login(client, people["staff"]), full_width)
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()


def test_a_code_out_of_scope_is_searched_as_text_and_finds_nothing(client, world, people):
    hidden = world["items"]["b"]
    response = _search(login(client, people["staff"]), hidden.code)
    assert response.status_code == 200
    assert response.context["items"] == {"rows": [], "count": 0, "windowed": False,
                                         "all_url": f"{LIST}?{urlencode({'q': hidden.code})}"}
    assert hidden.get_absolute_url() not in response.content.decode()


def test_items_by_title_and_description_within_scope(client, world, people):
    staff = _search(login(client, people["staff"]), "占道经营")
    # Street A's staff: the item titled so, and the one whose description says it; never
    # district B's.
    assert _titles(staff) == ["占道经营", "门前三包"]
    assert staff.context["items"]["count"] == 2
    office = _search(login(client, people["coordinator"]), "占道")
    assert _titles(office) == ["占道经营（乙区）", "门前三包", "占道经营"]


def test_points_by_name_code_and_address_and_units_by_name(client, world, people, tree):
    client = login(client, people["staff"])
    assert [p.code for p in _search(client, "迎泽").context["points"]["rows"]] == ["PA-01"]
    assert [p.code for p in _search(client, "pa-0").context["points"]["rows"]] == ["PA-01"]
    assert [p.code for p in _search(client, "甲街道1").context["points"]["rows"]] == ["PA-01"]
    assert _search(client, "乙街道2").context["points"]["rows"] == []
    assert [u.name for u in _search(client, "街道").context["units"]["rows"]] == ["甲街道"]
    office = _search(login(client, people["coordinator"]), "街道")
    assert [u.name for u in office.context["units"]["rows"]] == ["甲街道", "乙街道"]
    assert [p.code for p in office.context["points"]["rows"]] == ["PA-01", "PB-01"]


def test_reports_by_their_whole_tracking_code_for_the_office_only(client, world, people, tree):
    report = CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="ABCD2345EF",
                                          description="井盖丢了", location="迎泽大街")
    office = login(client, people["coordinator"])
    assert [r.pk for r in _search(office, " abcd2345ef ").context["reports"]["rows"]] == [report.pk]
    assert _search(office, "ABCD2345").context["reports"]["rows"] == []
    staff = _search(login(client, people["staff"]), "ABCD2345EF")
    assert "reports" not in staff.context and "井盖丢了" not in staff.content.decode()


def test_ranking_exact_title_first_then_newest(client, tree, people):
    _file(tree["street_a"], people, "井盖", minutes_ago=50)
    _file(tree["street_a"], people, "井盖缺失", minutes_ago=40)
    _file(tree["street_a"], people, "井盖", minutes_ago=30)
    _file(tree["street_a"], people, "道路井盖破损", minutes_ago=5)
    response = _search(login(client, people["staff"]), "井盖")
    titles = [(row.title, row.created_at) for row in response.context["items"]["rows"]]
    assert [title for title, _at in titles] == ["井盖", "井盖", "道路井盖破损", "井盖缺失"]
    assert titles[0][1] > titles[1][1]


def test_each_group_is_capped_with_a_link_to_the_whole_list(client, tree, people):
    for n in range(RESULTS_PER_GROUP + 3):
        _file(tree["street_a"], people, f"垃圾乱堆{n}", minutes_ago=n)
    response = _search(login(client, people["staff"]), "垃圾乱堆")
    items = response.context["items"]
    assert len(items["rows"]) == RESULTS_PER_GROUP and items["count"] == 23
    assert items["rows"][0].title == "垃圾乱堆0"
    body = response.content.decode()
    assert f'href="{LIST}?q=%E5%9E%83%E5%9C%BE%E4%B9%B1%E5%A0%86" id="search-items-all">全部 23 项' in body


@pytest.mark.parametrize(("typed", "searched"), [
    ("   ", ""), ("\x00\t", ""), ("a\x00b", "a b"), ("  井盖   丢了 ", "井盖 丢了"),
    ("字" * 200, "字" * QUERY_MAX),
])
def test_the_query_is_cleaned_and_bounded(typed, searched):
    assert clean_query(typed) == searched


def test_an_empty_query_shows_the_hint(client, world, people):
    response = _search(login(client, people["staff"]), "   ")
    assert response.status_code == 200 and "items" not in response.context
    assert 'id="search-hint"' in response.content.decode()


def test_a_long_query_is_cut_and_said_so(client, world, people):
    response = _search(login(client, people["staff"]), "占" * 200)
    assert response.status_code == 200 and response.context["q"] == "占" * QUERY_MAX
    assert 'id="search-cut"' in response.content.decode()


@pytest.mark.parametrize("text", ["%", "_", "100%", "a_b", "'; drop table x; --"])
def test_wildcards_match_only_themselves(client, tree, people, text):
    _file(tree["street_a"], people, "一般问题")
    literal = _file(tree["street_a"], people, "达标率100%未达a_b")
    response = _search(login(client, people["staff"]), text)
    assert response.status_code == 200
    expected = ["达标率100%未达a_b"] if text in literal.title else []
    assert _titles(response) == expected
    listed = login(client, people["staff"]).get(LIST, {"q": text})
    assert listed.status_code == 200
    assert [row.title for row in listed.context["rows"]] == expected


def test_a_nul_character_is_read_as_a_space(client, tree, people):
    _file(tree["street_a"], people, "井盖 丢了")
    client = login(client, people["staff"])
    assert _titles(_search(client, "井盖\x00丢了")) == ["井盖 丢了"]
    listed = client.get(LIST, {"q": "\x00井盖\x00"})
    assert [row.title for row in listed.context["rows"]] == ["井盖 丢了"]


def test_the_search_runs_the_same_queries_for_3_or_30_matches(client, tree, people):
    client = login(client, people["coordinator"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert _search(client, "占道").status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        _file(tree["street_a"], people, f"占道{n}")
        factories.PointFactory(unit=tree["street_a"], name=f"占道点{n}")
    few = queries()
    for n in range(27):
        _file(tree["street_b" if n % 2 else "street_a"], people, f"占道{n}")
        factories.PointFactory(unit=tree["street_b"], name=f"占道点{n + 3}")
    # The points past the group's cap are counted: one query (items are counted only past the
    # ranking window of 100, read in the same one query either way).
    assert queries() == few + 1


def test_the_list_filters_by_q_with_the_status_and_pages(client, tree, people):
    for n in range(23):
        _file(tree["street_a"], people, f"井盖缺失{n}", minutes_ago=n)
    for n in range(5):
        _file(tree["street_a"], people, f"其他{n}", minutes_ago=n)
    first = Rectification.objects.get(title="井盖缺失0")
    workflow.acknowledge(first, by=people["staff"], version=first.version)
    client = login(client, people["staff"])
    page = client.get(LIST, {"q": "井盖", "per_page": 20})
    assert [row.title for row in page.context["rows"]] == [f"井盖缺失{n}" for n in range(20)]
    assert page.context["count"] == 23
    rest = client.get(LIST + page.context["next_url"])
    assert [row.title for row in rest.context["rows"]] == ["井盖缺失20", "井盖缺失21", "井盖缺失22"]
    opened = client.get(LIST, {"q": "井盖", "status": "open"})
    assert opened.context["count"] == 22 and "井盖缺失0" not in [r.title for r in opened.context["rows"]]
    acknowledged = client.get(LEDGER, {"q": "井盖缺失0", "status": "acknowledged"})
    assert [row.title for row in acknowledged.context["rows"]] == ["井盖缺失0"]


def test_the_ledger_export_keeps_the_query(client, world, people):
    client = login(client, people["coordinator"])
    ledger = client.get(LEDGER, {"q": "占道", "per_page": 20})
    assert ledger.context["export_query"] == "q=%E5%8D%A0%E9%81%93"
    url = reverse("inspections:ledger-export-csv") + "?" + ledger.context["export_query"]
    text = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert sorted(line.split(",")[1] for line in text.strip().splitlines()[1:]) == [
        "占道经营", "占道经营（乙区）", "门前三包"]
    xlsx = client.get(reverse("inspections:ledger-export-xlsx") + "?q=%E4%B9%99%E5%8C%BA")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["占道经营（乙区）"]


def test_the_nav_offers_the_search_box(client, people):
    body = login(client, people["staff"]).get(LIST).content.decode()
    assert f'action="{SEARCH}" id="nav-search"' in body
    assert '<label class="visually-hidden" for="nav-search-q">' in body


def _plan(queryset) -> str:
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_postgres_reads_a_3_character_query_through_the_trigram_indexes(world):
    plan = _plan(items_matching(Rectification.objects.all(), "占道经"))
    assert "rect_title_trgm_idx" in plan and "rect_description_trgm_idx" in plan, plan
    assert "rect_code_upper_idx" in plan, plan
    # 2 characters hold no trigram: the index would return every row, so it is not asked.
    assert "trgm" not in _plan(items_matching(Rectification.objects.all(), "占道"))


def test_an_unindexed_query_reads_only_the_newest_items(client, tree, people, monkeypatch):
    # 2 characters: no index serves them on either database, so the bound applies to both.
    monkeypatch.setattr(filters, "SCAN_MAX", 3)
    for n in range(5):
        _file(tree["street_a"], people, f"井盖{n}", minutes_ago=n)
    response = _search(login(client, people["staff"]), "井盖")
    assert _titles(response) == ["井盖0", "井盖1", "井盖2"]
    assert response.context["items"]["windowed"] is True
    assert 'id="search-items-window">已搜索您可见的最新 3 个事项' in response.content.decode()


def test_the_item_list_bounds_an_unindexed_query_the_same_way(client, tree, people, monkeypatch):
    """On the list too, a text no index serves is looked for among the newest items only, and
    the page says so."""
    monkeypatch.setattr(filters, "SCAN_MAX", 3)
    for n in range(5):
        _file(tree["street_a"], people, f"井盖{n}", minutes_ago=n)
    response = login(client, people["staff"]).get(reverse("inspections:rectification-list"),
                                                   {"q": "井盖"})
    titles = [row.title for row in response.context["rows"]]
    assert sorted(titles) == ["井盖0", "井盖1", "井盖2"]
    assert 'id="list-search-window"' in response.content.decode()
