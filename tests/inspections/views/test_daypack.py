"""The day pack (/offline/pack/): exactly the pages each person needs offline, through the
visibility queries, bounded, in a fixed number of queries."""

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections.models import InspectionRound
from inspections.views.daypack import MAX_URLS, day_pack_urls
from tests import factories

NOW = dt.datetime(2019, 7, 10, 2, 0, tzinfo=dt.UTC)     # 10:00 in Asia/Shanghai
TODAY = dt.date(2019, 7, 10)
URL = "/offline/pack/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _round(unit, by, points, starts_on=dt.date(2019, 7, 8), ends_on=dt.date(2019, 7, 12)):
    round_ = InspectionRound.objects.create(
        campaign=unit.campaign, unit=unit, name="七月上旬", starts_on=starts_on, ends_on=ends_on,
        seed=1, sample_size=len(points), created_by=by)
    round_.points.set(points)
    return round_


@pytest.fixture
def data(tree, member):
    inspector = member(tree["district_a"], "inspector", username="insp_a")
    staff = member(tree["street_a"], "unit_staff", username="staff_a")
    other = member(tree["street_b"], "unit_staff", username="staff_b")
    p1 = factories.PointFactory(unit=tree["street_a"], code="P001")
    p2 = factories.PointFactory(unit=tree["lane_a"], code="P002")
    pb = factories.PointFactory(unit=tree["street_b"], code="P100")
    running = _round(tree["district_a"], inspector, [p1, p2])
    ended = _round(tree["district_a"], inspector, [p1], dt.date(2019, 7, 1), dt.date(2019, 7, 5))
    coming = _round(tree["district_a"], inspector, [p1], dt.date(2019, 7, 11), dt.date(2019, 7, 20))
    out = _round(tree["district_b"], inspector, [pb])
    deadline = NOW + dt.timedelta(days=2)
    items = {
        "submitted_a": factories.RectificationFactory(unit=tree["street_a"], status="submitted",
                                                      deadline=deadline),
        "open_a": factories.RectificationFactory(unit=tree["street_a"], status="open",
                                                 deadline=deadline + dt.timedelta(hours=1)),
        "rework_lane": factories.RectificationFactory(unit=tree["lane_a"], status="rework",
                                                      deadline=deadline + dt.timedelta(hours=2)),
        "closed_a": factories.RectificationFactory(unit=tree["street_a"], status="closed"),
        "submitted_b": factories.RectificationFactory(unit=tree["street_b"], status="submitted"),
        "open_b": factories.RectificationFactory(unit=tree["street_b"], status="open"),
    }
    leaf = factories.TaskFactory(unit=tree["street_a"], title="背街小巷", due=dt.date(2019, 9, 30))
    done = factories.TaskFactory(unit=tree["street_a"], title="已完成", target=D("10"))
    factories.ProgressFactory(task=done, quantity=D("10"))
    parent = factories.TaskFactory(unit=tree["street_a"], title="拆分的")
    child = factories.TaskFactory(unit=tree["lane_a"], parent=parent, title="巷子",
                                  due=dt.date(2019, 10, 31), target=D("50"))
    later = factories.TaskFactory(unit=tree["street_a"], title="未开始", start=dt.date(2019, 8, 1))
    task_b = factories.TaskFactory(unit=tree["street_b"], title="乙街任务")
    return {"inspector": inspector, "staff": staff, "other": other, "p1": p1, "p2": p2, "pb": pb,
            "running": running, "ended": ended, "coming": coming, "out": out, "items": items,
            "leaf": leaf, "done": done, "parent": parent, "child": child, "later": later,
            "task_b": task_b}


def _pack(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def item(data, key):
    return f"/items/{data['items'][key].pk}/"


def test_an_inspector_keeps_the_running_round_its_visit_forms_points_and_items_to_verify(
        client, data):
    r, p1, p2 = data["running"].pk, data["p1"].pk, data["p2"].pk
    assert _pack(client, data["inspector"]) == {
        "urls": [
            "/", "/offline/queue/",
            f"/rounds/{r}/",
            f"/points/{p1}/visit/?round={r}", f"/points/{p1}/",
            f"/points/{p2}/visit/?round={r}", f"/points/{p2}/",
            item(data, "submitted_a"),
        ],
        "count": 8, "limit": MAX_URLS, "truncated": False, "at_once": 4,
    }


def test_the_visit_forms_are_the_round_pages_links(client, data):
    client.force_login(data["inspector"])
    page = client.get(f"/rounds/{data['running'].pk}/").content.decode()
    urls = _pack(client, data["inspector"])["urls"]
    visit_forms = [url for url in urls if "/visit/" in url]
    assert visit_forms and all(f'href="{url}"' in page for url in visit_forms)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_units_staff_keeps_its_pending_items_and_the_tasks_to_report_on(client, data):
    leaf, child = data["leaf"].pk, data["child"].pk
    assert _pack(client, data["staff"])["urls"] == [
        "/", "/offline/queue/",
        item(data, "open_a"), item(data, "rework_lane"),
        f"/tasks/{leaf}/", f"/tasks/{leaf}/report/",
        f"/tasks/{child}/", f"/tasks/{child}/report/",
    ]


def test_nothing_out_of_scope_ever(client, data):
    task_b = data["task_b"].pk
    assert _pack(client, data["other"])["urls"] == [
        "/", "/offline/queue/", item(data, "open_b"), f"/tasks/{task_b}/", f"/tasks/{task_b}/report/",
    ]


def test_a_leader_keeps_only_the_home_page_and_the_queue(client, data, member, tree):
    leader = member(tree["district_a"], "leader")
    assert _pack(client, leader)["urls"] == ["/", "/offline/queue/"]


def test_the_pack_is_bounded(data):
    urls, truncated = day_pack_urls(data["inspector"], TODAY, limit=3)
    assert (urls, truncated) == (
        ["/", "/offline/queue/", f"/rounds/{data['running'].pk}/"], True)
    assert MAX_URLS == 300


def _queries(user) -> int:
    user = type(user).objects.get(pk=user.pk)       # a new request: the scope is read again
    with CaptureQueriesContext(connection) as queries:
        day_pack_urls(user, TODAY)
    return len(queries)


def test_the_queries_do_not_grow_with_the_pack(data, tree, member):
    inspector, staff = data["inspector"], data["staff"]
    before = (_queries(inspector), _queries(staff))
    points = [factories.PointFactory(unit=tree["street_a"]) for _ in range(20)]
    _round(tree["district_a"], inspector, points)
    for _ in range(10):
        factories.RectificationFactory(unit=tree["street_a"], status="submitted")
        factories.RectificationFactory(unit=tree["street_a"], status="acknowledged")
        factories.TaskFactory(unit=tree["street_a"])
    assert len(day_pack_urls(inspector, TODAY)[0]) == 8 + 1 + 40 + 10
    assert (_queries(inspector), _queries(staff)) == before == (5, 6)


def test_the_pack_needs_a_login_and_a_get(client, data):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(data["staff"])
    assert client.post(URL).status_code == 405


def test_a_city_coordinators_pack_stops_at_the_bound_in_the_same_queries(data, tree, member):
    # The top of a city: every running round and every fix to verify below it is in scope.
    coordinator = member(tree["city"], "coordinator")
    small = _queries(coordinator)
    for unit in (tree["street_a"], tree["street_b"], tree["lane_a"]):
        points = [factories.PointFactory(unit=unit) for _ in range(60)]
        _round(unit, data["inspector"], points)
    for _ in range(120):
        factories.RectificationFactory(unit=tree["street_b"], status="submitted")
    urls, truncated = day_pack_urls(coordinator, TODAY)
    assert (len(urls), len(set(urls)), truncated) == (MAX_URLS, MAX_URLS, True)
    # Most needed first: the running rounds' visit forms come before the items.
    assert urls[:3] == ["/", "/offline/queue/", f"/rounds/{data['running'].pk}/"]
    assert _queries(coordinator) == small == 6
