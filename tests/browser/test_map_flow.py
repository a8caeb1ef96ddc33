"""The map in a browser: markers load from the GeoJSON URL, a marker's popup leads to the item,
and the page reads at a phone's width; no tile server (offline)."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.enums import Role
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mapped(settings):
    settings.MAP_TILE_URL = ""
    district = factories.UnitFactory(kind="district", name="杏花岭区")
    street = factories.UnitFactory(parent=district, kind="street", name="涧河街道")
    coordinator = factories.UserFactory(username="map-coordinator", name="区协调员")
    factories.MembershipFactory(user=coordinator, unit=district, role=Role.COORDINATOR)
    east = factories.PointFactory(unit=street, code="JH-01", name="涧河东巷",
                                  latitude=D("37.860000"), longitude=D("112.550000"))
    west = factories.PointFactory(unit=street, code="JH-02", name="涧河市场", kind="market",
                                  latitude=D("37.900000"), longitude=D("112.600000"))
    now = timezone.now()
    overdue = factories.RectificationFactory(
        unit=street, point=east, code="ZG-2026-0001", title="占道经营", status="open",
        deadline=now - dt.timedelta(days=2), created_at=now - dt.timedelta(days=5))
    factories.RectificationFactory(
        unit=street, point=west, code="ZG-2026-0002", title="垃圾堆放", status="submitted",
        deadline=now + dt.timedelta(days=5), created_at=now - dt.timedelta(days=1))
    return {"overdue": overdue}


def test_coordinator_opens_an_item_from_its_marker(page, live_server, login, mapped):
    # No fade: axe reads the popup's colours as they end, not half-way through a transition.
    page.emulate_media(reduced_motion="reduce")
    login("map-coordinator")
    page.get_by_role("link", name="点位", exact=True).click()
    page.get_by_role("link", name="点位地图").click()
    expect(page.locator("#map-status")).to_have_text("已显示 4 个标记。")
    expect(page.locator(".leaflet-control-scale")).to_be_visible()
    expect(page.locator("#map-legend")).to_contain_text("逾期")
    assert_accessible(page)

    page.get_by_label("事项状态").select_option("overdue")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#map-status")).to_have_text("已显示 1 个标记。")
    marker = page.locator(".leaflet-marker-icon.map-marker-overdue")
    expect(marker).to_have_count(1)
    marker.click()
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_text("查看 ZG-2026-0001")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("占道经营")
    assert_accessible(page)
    link.click()
    expect(page).to_have_url(re.compile(rf"/items/{mapped['overdue'].pk}/$"))
    expect(page.locator("h1")).to_contain_text("ZG-2026-0001")


def test_the_map_reads_at_375_pixels(page, live_server, login, mapped):
    page.set_viewport_size({"width": 375, "height": 800})
    login("map-coordinator")
    page.goto(f"{live_server.url}/map/")
    expect(page.locator("#map-status")).to_have_text("已显示 4 个标记。")
    box = page.locator("#map").bounding_box()
    assert box is not None and box["width"] <= 375 and box["height"] >= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
