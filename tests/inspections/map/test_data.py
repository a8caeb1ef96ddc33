"""The map's data URL: GeoJSON, scoped, filtered, paginated, refusing bad input with a 400."""

import pytest
from django.urls import reverse

from inspections.map import queries
from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db

URL = "/map/data.geojson"


def get(client, user, query=""):
    return login(client, user).get(URL + query)


def ids(response):
    return [feature["id"] for feature in response.json()["features"]]


def test_the_url_is_named():
    assert reverse("inspections:map-data") == URL


def test_a_district_leader_gets_exactly_their_points_and_open_items(client, world):
    p, i = world["points"], world["items"]
    response = get(client, world["people"]["leader"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert (body["type"], body["next"], body["limit"]) == ("FeatureCollection", None, 5000)

    def item(key, status, label, point):
        return {"type": "Feature", "id": f"item-{i[key].pk}",
                "geometry": {"type": "Point", "coordinates": point},
                "properties": {"type": "item", "code": i[key].code, "title": i[key].title,
                               "status": status, "label": label,
                               "url": f"/items/{i[key].pk}/"}}

    assert body["features"] == [
        {"type": "Feature", "id": f"point-{p['pa1'].pk}",
         "geometry": {"type": "Point", "coordinates": [112.55, 37.86]},
         "properties": {"type": "point", "code": "PA1", "title": "甲一巷", "status": "point",
                        "label": "背街小巷", "url": f"/points/{p['pa1'].pk}/"}},
        {"type": "Feature", "id": f"point-{p['pa2'].pk}",
         "geometry": {"type": "Point", "coordinates": [112.56, 37.87]},
         "properties": {"type": "point", "code": "PA2", "title": "甲市场", "status": "point",
                        "label": "农贸市场", "url": f"/points/{p['pa2'].pk}/"}},
        item("overdue", "overdue", "逾期", [112.55, 37.86]),
        item("due_soon", "due_soon", "3天内到期", [112.55, 37.86]),
        item("open", "open", "待整改（未临期）", [112.56, 37.87]),
        item("submitted", "submitted", "已提交整改，待核查", [112.56, 37.87]),
    ]


def test_another_districts_points_and_items_are_left_out(client, world):
    p, i = world["points"], world["items"]
    other = ids(get(client, world["people"]["other_staff"]))
    assert other == [f"point-{p['pb1'].pk}", f"item-{i['district_b'].pk}"]
    city = ids(get(client, world["people"]["coordinator"]))
    assert f"point-{p['pb1'].pk}" in city and f"item-{i['district_b'].pk}" in city
    assert len(city) == 8


@pytest.mark.parametrize(("query", "expected"), [
    ("?unit={lane_a}", ["point:pa2", "item:open"]),
    ("?kind=market", ["point:pa2", "item:open", "item:submitted"]),
    ("?status=overdue", ["item:overdue"]),
    ("?status=due_soon", ["item:due_soon"]),
    ("?status=open", ["item:open"]),
    ("?status=submitted", ["item:submitted"]),
    ("?category={first}", ["item:overdue"]),
    ("?layer=points", ["point:pa1", "point:pa2"]),
    ("?layer=items&kind=back_street", ["item:overdue", "item:due_soon"]),
    ("?bbox=112.555,37.865,112.565,37.875", ["point:pa2", "item:open", "item:submitted"]),
    ("?bbox=100,0,101,1", []),
])
def test_filters(client, world, query, expected):
    p, i = world["points"], world["items"]
    query = query.format(lane_a=world["tree"]["lane_a"].pk, first=world["categories"][0].pk)
    names = {f"point-{point.pk}": f"point:{key}" for key, point in p.items()}
    names |= {f"item-{item.pk}": f"item:{key}" for key, item in i.items()}
    response = get(client, world["people"]["leader"], query)
    assert response.status_code == 200
    assert [names[feature] for feature in ids(response)] == expected


def test_pages_follow_next_until_every_feature_is_read(client, world, monkeypatch):
    monkeypatch.setattr(queries, "MAX_FEATURES", 2)
    p, i = world["points"], world["items"]
    client = login(client, world["people"]["leader"])
    first = client.get(URL + "?kind=&layer=").json()
    assert ids_of(first) == [f"point-{p['pa1'].pk}", f"point-{p['pa2'].pk}"]
    assert first["next"] == f"{URL}?kind=&layer=&after=i0"
    second = client.get(first["next"]).json()
    assert ids_of(second) == [f"item-{i['overdue'].pk}", f"item-{i['due_soon'].pk}"]
    assert second["next"] == f"{URL}?kind=&layer=&after=i{i['due_soon'].pk}"
    third = client.get(second["next"]).json()
    assert ids_of(third) == [f"item-{i['open'].pk}", f"item-{i['submitted'].pk}"]
    assert third["next"] is None


def test_a_page_full_of_points_continues_with_points(client, world, monkeypatch):
    monkeypatch.setattr(queries, "MAX_FEATURES", 1)
    p = world["points"]
    client = login(client, world["people"]["leader"])
    first = client.get(URL).json()
    assert (ids_of(first), first["next"]) == ([f"point-{p['pa1'].pk}"],
                                              f"{URL}?after=p{p['pa1'].pk}")
    assert ids_of(client.get(first["next"]).json()) == [f"point-{p['pa2'].pk}"]


def ids_of(body):
    return [feature["id"] for feature in body["features"]]


@pytest.mark.parametrize(("query", "message"), [
    ("?unit=abc", "单位（含下级）: 选择一个有效的选项： 该选择不在可用的选项中。"),
    ("?unit={street_b}", "单位（含下级）: 选择一个有效的选项： 该选择不在可用的选项中。"),
    ("?kind=castle", "点位类型: 选择一个有效的选项。 castle 不在可用的选项中。"),
    ("?status=late", "事项状态: 选择一个有效的选项。 late 不在可用的选项中。"),
    ("?category=999999999", "类别: 选择一个有效的选项： 该选择不在可用的选项中。"),
    ("?layer=tiles", "显示: 选择一个有效的选项。 tiles 不在可用的选项中。"),
    ("?bbox=1,2,3", "范围: 范围应为四个数：西,南,东,北。"),
    ("?bbox=1,2,3,x", "范围: 范围应为四个数：西,南,东,北。"),
    ("?bbox=10,0,5,1", "范围: 范围须满足：西 ≤ 东且在 ±180 之内，南 ≤ 北且在 ±90 之内。"),
    ("?bbox=0,-91,1,1", "范围: 范围须满足：西 ≤ 东且在 ±180 之内，南 ≤ 北且在 ±90 之内。"),
    ("?after=x12", "页: 不是本地图的分页。"),
    ("?after=p" + "9" * 14, "页: 确保该变量包含不超过 14 字符 (目前字符数 15)。"),
])
def test_bad_parameters_are_a_400_with_a_message(client, world, query, message):
    query = query.format(street_b=world["tree"]["street_b"].pk)
    response = get(client, world["people"]["leader"], query)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_someone_who_sees_no_unit_is_refused(client, world):
    response = get(client, factories.UserFactory())
    assert response.status_code == 403 and "error" in response.json()


def test_the_query_count_does_not_grow_with_the_features(client, world, django_assert_num_queries):
    client = login(client, world["people"]["leader"])
    tree = world["tree"]
    # The session, the user, the scope (memberships, charges), the points, the items.
    with django_assert_num_queries(6):
        assert len(client.get(URL).json()["features"]) == 6
    for n in range(30):
        factories.PointFactory(unit=tree["street_a"], latitude=37 + n / 100, longitude=112)
        factories.RectificationFactory(unit=tree["street_a"], point=world["points"]["pa1"],
                                       deadline=world["items"]["open"].deadline)
    with django_assert_num_queries(6):
        assert len(client.get(URL).json()["features"]) == 66
    # Unit and category are looked up once each; a category shows items only (no points query).
    with django_assert_num_queries(7):
        client.get(URL + f"?unit={tree['street_a'].pk}&category={world['categories'][0].pk}")


def test_an_item_sent_back_to_the_dispatcher_is_on_the_map_as_such(client, world):
    """Still open, waiting for a coordinator to re-route it (回退): its own marker class."""
    point = world["points"]["pa1"]
    sent_back = factories.RectificationFactory(
        code="ZG-9", unit=world["tree"]["street_a"], status="returned_to_dispatch",
        deadline=world["items"]["overdue"].deadline, title="事项ZG-9", point=point)
    body = get(client, world["people"]["leader"], "?status=sent_back").json()
    assert [(f["id"], f["properties"]["status"], f["properties"]["label"])
            for f in body["features"]] == [(f"item-{sent_back.pk}", "sent_back", "已回退，待重新派发")]
