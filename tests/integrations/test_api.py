"""The JSON API (/api/v1/): bearer tokens only, the token's account's scope narrowed to its
unit's subtree, cursor pages, filters, filing items and citizen reports, the rate limit."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.enums import Role
from campaign.periods import Month
from inspections.models import CitizenReport, Rectification
from inspections.rankings.services import publish_bulletin
from integrations import tokens
from integrations.api.paging import encode_cursor
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(tree, member):
    """The hotline's account coordinates the whole city; its tokens are narrowed to district A
    (write, and read-only) and to district B (read). Items: two in street A, one in its lane
    office, one in street B."""
    with time_machine.travel(NOW, tick=False):
        account = member(tree["city"], Role.COORDINATOR, username="hotline")
        admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
        write_a = tokens.issue(name="A", user=account, unit=tree["district_a"], access="write", by=admin)
        read_a = tokens.issue(name="A-read", user=account, unit=tree["district_a"], access="read",
                              by=admin)
        read_b = tokens.issue(name="B", user=account, unit=tree["district_b"], access="read", by=admin)
        items = {
            "a1": factories.file_item(tree["street_a"], by=account, title="甲一"),
            "a2": factories.file_item(tree["street_a"], by=account, title="甲二"),
            "lane": factories.file_item(tree["lane_a"], by=account, title="巷一"),
            "b1": factories.file_item(tree["street_b"], by=account, title="乙一"),
        }
    return {"account": account, "admin": admin, "items": items, "tree": tree,
            "write_a": write_a[1], "read_a": read_a[1], "read_b": read_b[1]}


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def ids(response):
    return [row["id"] for row in response.json()["items"]]


# ---- who may call ------------------------------------------------------------------------------

def test_no_key_a_wrong_key_or_a_session_is_401_with_a_json_body(client, world):
    url = reverse("api:items")
    for headers in ({}, auth("ct_not-a-key"), {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        response = client.get(url, **headers)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["WWW-Authenticate"] == "Bearer"
        assert set(response.json()) == {"detail"}
    # A signed-in superuser's browser is not a caller: its session cookie is never read.
    client.force_login(world["admin"])
    assert client.get(url).status_code == 401
    response = client.post(reverse("api:item-create"), {"unit_id": 1, "title": "x"},
                           content_type="application/json")
    assert response.status_code == 401
    assert Rectification.objects.count() == 4


def test_a_revoked_token_is_401(client, world):
    token = tokens.authenticate(world["read_a"])
    tokens.revoke(token)
    assert client.get(reverse("api:items"), **auth(world["read_a"])).status_code == 401


def test_the_openapi_document_is_served_without_a_key(client, world):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert sorted(paths) == [
        "/api/v1/items", "/api/v1/items/{pk}", "/api/v1/points", "/api/v1/points/{pk}",
        "/api/v1/rankings", "/api/v1/rankings/{month}", "/api/v1/reports", "/api/v1/tasks",
        "/api/v1/tasks/{pk}", "/api/v1/units", "/api/v1/units/{pk}"]
    # No docs page: it would load Swagger UI from a CDN.
    assert client.get("/api/docs").status_code == 404


# ---- items: scope, pages, filters --------------------------------------------------------------

def test_items_are_the_tokens_subtree_in_filing_order(client, world):
    items = world["items"]
    assert ids(client.get(reverse("api:items"), **auth(world["read_a"]))) == [
        items["a1"].pk, items["a2"].pk, items["lane"].pk]
    assert ids(client.get(reverse("api:items"), **auth(world["read_b"]))) == [items["b1"].pk]


def test_cursor_pages_walk_the_list_with_the_same_queries_each(client, world):
    items, url = world["items"], reverse("api:items")
    client.get(url, **auth(world["read_a"]))     # the token's first use writes its last_used_at
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(url, {"limit": 2}, **auth(world["read_a"])).json()
    assert [row["id"] for row in first["items"]] == [items["a1"].pk, items["a2"].pk]
    assert first["next"] == encode_cursor(items["a2"].pk)
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(url, {"limit": 2, "cursor": first["next"]}, **auth(world["read_a"])).json()
    assert second == {"items": [second["items"][0]], "next": None}
    assert second["items"][0]["id"] == items["lane"].pk
    # The token with its account and unit, the account's scope (memberships, leader charges, the
    # campaigns' roots), the page.
    assert len(first_queries) == len(second_queries) == 5


@pytest.mark.parametrize("query", [
    {"cursor": "!!!"}, {"cursor": "YWJj"}, {"cursor": encode_cursor(1) + "A" * 40},
    {"cursor": "LTE"}, {"limit": 0}, {"limit": 101}, {"limit": "x"}, {"status": "lost"},
    {"unit": "x"}, {"unit": 2**63}, {"created_since": "2026-03-01T08:00:00"},
    {"updated_since": "yesterday"},
])
def test_a_malformed_parameter_is_400_with_a_message(client, world, query):
    response = client.get(reverse("api:items"), query, **auth(world["read_a"]))
    assert response.status_code == 400
    assert response.json()["detail"]


def test_items_filter_by_status_unit_and_time(client, world):
    items, tree, url = world["items"], world["tree"], reverse("api:items")
    key = world["read_a"]
    assert ids(client.get(url, {"unit": tree["lane_a"].pk}, **auth(key))) == [items["lane"].pk]
    assert ids(client.get(url, {"status": "open"}, **auth(key))) == [
        items["a1"].pk, items["a2"].pk, items["lane"].pk]
    assert ids(client.get(url, {"status": "closed"}, **auth(key))) == []
    # A unit outside the token's subtree is a filter refused, never a wider list.
    response = client.get(url, {"unit": tree["street_b"].pk}, **auth(key))
    assert response.status_code == 400
    later = (NOW + dt.timedelta(hours=1)).isoformat()
    assert ids(client.get(url, {"created_since": NOW.isoformat()}, **auth(key))) == [
        items["a1"].pk, items["a2"].pk, items["lane"].pk]
    assert ids(client.get(url, {"created_since": later}, **auth(key))) == []
    Rectification.objects.filter(pk=items["a2"].pk).update()   # no step: not "updated"
    from inspections import workflow
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        workflow.extend_deadline(items["a2"], by=world["account"], version=None,
                                 deadline=NOW + dt.timedelta(days=9), reason="雨天")
    assert ids(client.get(url, {"updated_since": later}, **auth(key))) == [items["a2"].pk]


def test_an_item_has_its_events_and_out_of_scope_is_404(client, world):
    item = world["items"]["a1"]
    body = client.get(reverse("api:item", kwargs={"pk": item.pk}), **auth(world["read_a"])).json()
    assert (body["code"], body["title"], body["status"], body["unit_id"]) == (
        item.code, "甲一", "open", world["tree"]["street_a"].pk)
    assert [(e["action"], e["from_status"], e["to_status"], e["actor_id"], e["photo_ids"])
            for e in body["events"]] == [("filed", "", "open", world["account"].pk, [])]
    out = world["items"]["b1"]
    assert client.get(reverse("api:item", kwargs={"pk": out.pk}), **auth(world["read_a"])).status_code == 404
    assert client.get(reverse("api:item", kwargs={"pk": 10**9}), **auth(world["read_a"])).status_code == 404
    assert client.get("/api/v1/items/99999999999999999999999", **auth(world["read_a"])).status_code == 400


# ---- units, points, tasks, rankings ------------------------------------------------------------

def test_units_points_and_tasks_are_the_tokens_subtree(client, world):
    tree = world["tree"]
    point_a = factories.PointFactory(unit=tree["street_a"], name="甲点位")
    point_b = factories.PointFactory(unit=tree["street_b"], name="乙点位")
    task_a = factories.TaskFactory(unit=tree["lane_a"])
    task_b = factories.TaskFactory(unit=tree["street_b"])
    key = world["read_a"]
    assert ids(client.get(reverse("api:units"), **auth(key))) == [
        tree["district_a"].pk, tree["street_a"].pk, tree["lane_a"].pk]
    assert ids(client.get(reverse("api:points"), **auth(key))) == [point_a.pk]
    assert ids(client.get(reverse("api:tasks"), **auth(key))) == [task_a.pk]
    for name, inside, outside in (("api:unit", tree["street_a"], tree["street_b"]),
                                  ("api:point", point_a, point_b), ("api:task", task_a, task_b)):
        assert client.get(reverse(name, kwargs={"pk": inside.pk}), **auth(key)).json()["id"] == inside.pk
        assert client.get(reverse(name, kwargs={"pk": outside.pk}), **auth(key)).status_code == 404
    task_a.refresh_from_db()
    assert client.get(reverse("api:task", kwargs={"pk": task_a.pk}), **auth(key)).json()["target"] == str(
        task_a.target)


def test_rankings_are_the_published_bulletins_the_token_may_read(client, world):
    tree = world["tree"]
    month = Month(2026, 1)
    by_parent = {name: publish_bulletin(tree["city"].campaign, month, tree[name], by=None, now=NOW)[0]
                 for name in ("city", "district_a", "district_b")}
    # District A's token: its own group and the city's (which ranks district A), not B's.
    body = client.get(reverse("api:rankings"), **auth(world["read_a"])).json()
    assert [row["id"] for row in body["items"]] == sorted([by_parent["city"].pk, by_parent["district_a"].pk])
    city = next(row for row in body["items"] if row["id"] == by_parent["city"].pk)
    assert city["month"] == "2026-01" and city["parent_id"] == tree["city"].pk
    assert sorted(score["unit_id"] for score in city["scores"]) == sorted(
        [tree["district_a"].pk, tree["district_b"].pk])
    assert [score["recurrences"] for score in city["scores"]] == [0, 0]
    by_month = client.get(reverse("api:ranking-month", kwargs={"month": "2026-01"}), **auth(world["read_b"]))
    assert [row["id"] for row in by_month.json()] == [by_parent["city"].pk, by_parent["district_b"].pk]
    assert client.get(reverse("api:ranking-month", kwargs={"month": "2026-02"}),
                      **auth(world["read_b"])).json() == []
    assert client.get("/api/v1/rankings/2026-13", **auth(world["read_b"])).status_code == 400


# ---- writing -----------------------------------------------------------------------------------

def test_a_read_token_may_not_file(client, world):
    body = {"unit_id": world["tree"]["street_a"].pk, "title": "占道经营"}
    response = client.post(reverse("api:item-create"), body, content_type="application/json",
                           **auth(world["read_a"]))
    assert response.status_code == 403
    assert Rectification.objects.count() == 4


def test_filing_an_item_creates_exactly_one_with_the_given_fields(client, world):
    tree = world["tree"]
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           deadline_days=7, deadline_count="natural")
    criterion.category.standard.units.add(tree["city"])
    point = factories.PointFactory(unit=tree["street_a"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("api:item-create"), {
            "unit_id": tree["street_a"].pk, "title": "井盖缺失", "description": "甲街口",
            "point_id": point.pk, "criterion_id": criterion.pk,
        }, content_type="application/json", **auth(world["write_a"]))
    assert response.status_code == 201
    item = Rectification.objects.exclude(pk__in=[i.pk for i in world["items"].values()]).get()
    assert (item.unit, item.title, item.description, item.point, item.criterion, item.created_by,
            item.status, item.deadline_days) == (
        tree["street_a"], "井盖缺失", "甲街口", point, criterion, world["account"], "open", 7)
    # The criterion's 7 natural days from now, to the end of that day in Asia/Shanghai.
    assert item.deadline == dt.datetime(2026, 3, 9, 15, 59, 59, tzinfo=dt.UTC)
    assert response.json()["id"] == item.pk
    assert [e["action"] for e in response.json()["events"]] == ["filed"]


def test_filing_with_a_deadline_given(client, world):
    deadline = "2026-03-20T18:00:00+08:00"
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("api:item-create"), {
            "unit_id": world["tree"]["lane_a"].pk, "title": "乱堆乱放", "deadline": deadline,
        }, content_type="application/json", **auth(world["write_a"]))
    assert response.status_code == 201
    assert Rectification.objects.get(pk=response.json()["id"]).deadline == dt.datetime(
        2026, 3, 20, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("body", "status"), [
    ({"unit": "street_b", "title": "x"}, 400),                       # out of the token's subtree
    ({"unit": "street_a", "title": "   "}, 400),                     # the workflow wants a title
    ({"unit": "street_a", "title": "x\x00"}, 400),
    ({"unit": "street_a", "title": "x", "deadline": "2026-03-01T00:00:00+08:00"}, 400),   # past
    ({"unit": "street_a", "title": "x", "deadline": "2026-03-20T00:00:00"}, 400),          # naive
    ({"unit": "street_a", "title": "x", "point_id": 10**9}, 400),
    ({"unit": "street_a", "title": "x", "criterion_id": 10**9}, 400),
    ({"unit": "street_a"}, 400),
])
def test_a_refused_item_files_nothing(client, world, body, status):
    body = {**body, "unit_id": world["tree"][body.pop("unit")].pk}
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("api:item-create"), body, content_type="application/json",
                               **auth(world["write_a"]))
    assert response.status_code == status
    assert response.json()["detail"]
    assert Rectification.objects.count() == 4


def test_an_account_without_the_right_to_file_is_403(client, world, member):
    staff = member(world["tree"]["street_a"], Role.UNIT_STAFF, username="staff-account")
    _token, key = tokens.issue(name="S", user=staff, unit=world["tree"]["street_a"], access="write",
                               by=world["admin"])
    response = client.post(reverse("api:item-create"), {"unit_id": world["tree"]["street_a"].pk,
                                                        "title": "x"},
                           content_type="application/json", **auth(key))
    assert response.status_code == 403
    assert Rectification.objects.count() == 4


def test_an_idempotency_key_files_once(client, world):
    key = str(uuid.uuid4())
    body = {"unit_id": world["tree"]["street_a"].pk, "title": "重复提交"}
    first = client.post(reverse("api:item-create"), body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key, **auth(world["write_a"]))
    again = client.post(reverse("api:item-create"), body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key, **auth(world["write_a"]))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Rectification.objects.filter(title="重复提交").count() == 1
    # The same key for another endpoint is refused; a key that is no UUID too.
    report = client.post(reverse("api:report-create"), {"description": "x", "location": "y"},
                         content_type="application/json", HTTP_IDEMPOTENCY_KEY=key,
                         **auth(world["write_a"]))
    assert report.status_code == 422
    bad = client.post(reverse("api:item-create"), body, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="twice", **auth(world["write_a"]))
    assert bad.status_code == 400
    assert Rectification.objects.filter(title="重复提交").count() == 1


def test_filing_a_citizen_report(client, world):
    campaign = world["tree"]["city"].campaign
    category = factories.CategoryFactory(standard__campaign=campaign)
    other = factories.CategoryFactory()
    response = client.post(reverse("api:report-create"), {
        "description": "井盖缺失", "location": "甲街口", "latitude": "37.870000",
        "longitude": "112.550000", "category_id": category.pk,
    }, content_type="application/json", **auth(world["write_a"]))
    assert response.status_code == 201
    report = CitizenReport.objects.get()
    assert (report.campaign, report.description, report.location, str(report.latitude),
            str(report.longitude), report.category, report.status, report.photos.count()) == (
        campaign, "井盖缺失", "甲街口", "37.870000", "112.550000", category, "new", 0)
    assert response.json()["tracking_code"] == report.tracking_code
    refused = client.post(reverse("api:report-create"), {
        "description": "x", "location": "y", "category_id": other.pk,
    }, content_type="application/json", **auth(world["write_a"]))
    assert refused.status_code == 400
    assert client.post(reverse("api:report-create"), {"description": "x", "location": "y"},
                       content_type="application/json", **auth(world["read_a"])).status_code == 403
    assert CitizenReport.objects.count() == 1


# ---- the rate limit ----------------------------------------------------------------------------

def test_a_token_past_its_requests_a_minute_is_429_with_retry_after(client, world, settings):
    settings.API_REQUESTS_PER_MINUTE = 3
    url = reverse("api:units")
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, 0, 45, tzinfo=dt.UTC), tick=False):
        assert [client.get(url, **auth(world["read_a"])).status_code for _ in range(4)] == [
            200, 200, 200, 429]
        response = client.get(url, **auth(world["read_a"]))
        assert response["Retry-After"] == "15"
        assert response.json()["detail"]
        # Another token has its own count.
        assert client.get(url, **auth(world["read_b"])).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 2, 2, 1, 0, tzinfo=dt.UTC), tick=False):
        assert client.get(url, **auth(world["read_a"])).status_code == 200
