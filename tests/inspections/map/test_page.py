"""The map page: its controls, its settings as JSON, no inline script, and who may open it."""

import json
import re

import pytest

from tests import factories
from tests.factories import login

pytestmark = pytest.mark.django_db


def config(page) -> dict:
    match = re.search(r'<script id="map-config" type="application/json">(.*?)</script>',
                      page.content.decode(), re.S)
    assert match
    return json.loads(match[1])


def test_without_a_tile_url_the_map_draws_on_a_plain_background(client, world, settings):
    settings.MAP_TILE_URL = ""
    page = login(client, world["people"]["leader"]).get("/map/")
    assert page.status_code == 200
    body = page.content.decode()
    data = config(page)
    assert (data["data"], data["tiles"], data["attribution"], data["maxPages"]) == (
        "/map/data.geojson", "", "", 4)
    assert "未配置地图底图：标记显示在空白背景上，并附比例尺。" in body
    assert "/static/vendor/leaflet/leaflet.js" in body
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in body
    assert "/static/inspections/map.js" in body
    # The legend says each colour in words.
    legend = re.search(r'<ul class="list-inline small" id="map-legend">(.*?)</ul>', body, re.S)[1]
    assert re.findall(r"</span> (.+?)</li>", legend) == [
        "点位", "逾期", "3天内到期", "待整改（未临期）", "已提交整改，待核查", "已回退，待重新派发"]
    # CSP-friendly: every script is a file, or the JSON data.
    for tag in re.findall(r"<script[^>]*>", body):
        assert ' src="' in tag or tag == '<script id="map-config" type="application/json">'


def test_the_tile_url_and_attribution_come_from_the_settings(client, world, settings):
    settings.MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© 市规划局"
    page = login(client, world["people"]["leader"]).get("/map/")
    data = config(page)
    assert (data["tiles"], data["attribution"]) == (
        "https://tiles.example.gov.cn/{z}/{x}/{y}.png", "© 市规划局")
    assert "未配置地图底图" not in page.content.decode()


def test_the_filters_pass_to_the_data_url(client, world):
    lane = world["tree"]["lane_a"].pk
    page = login(client, world["people"]["leader"]).get(
        f"/map/?unit={lane}&status=overdue&kind=&bbox=1,2,3,4")
    assert config(page)["data"] == f"/map/data.geojson?unit={lane}&status=overdue"
    body = page.content.decode()
    assert f'<option value="{lane}" selected>' in body
    # Only units the person sees are offered.
    assert world["tree"]["street_b"].name not in body


def test_a_bad_filter_is_shown_on_the_page(client, world):
    page = login(client, world["people"]["leader"]).get("/map/?status=late")
    assert page.status_code == 200
    assert "选择一个有效的选项。 late 不在可用的选项中。" in page.content.decode()


def test_the_page_is_for_people_with_a_scope(client, world):
    assert login(client, factories.UserFactory()).get("/map/").status_code == 403
    client.logout()
    assert client.get("/map/").status_code == 302
    assert login(client, world["people"]["leader"]).post("/map/").status_code == 405


def test_the_points_page_links_to_the_map(client, world):
    body = login(client, world["people"]["staff"]).get("/points/").content.decode()
    assert ('<a class="btn btn-sm btn-outline-primary" href="/map/" id="points-map-link">'
            '<i class="bi bi-map" aria-hidden="true"></i> 点位地图</a>') in body
