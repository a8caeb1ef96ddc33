"""The public report form on a 375 px phone (issue 16): category, "use my location" (consent
granted), a photo; sent, the thanks page shows the code, and reloading it files nothing. With a
tile server configured, a tap on the map fills the coordinates."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from inspections.models import CitizenReport
from tests import factories
from tests.browser.conftest import assert_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 375


@pytest.fixture
def public_form(tree, settings):
    settings.MAP_TILE_URL = ""
    standard = factories.StandardFactory(campaign=tree["city"].campaign)
    factories.CategoryFactory(standard=standard, name="市政设施")
    factories.CategoryFactory(standard=standard, name="内部台账", public=False)
    return tree["city"].campaign


def _photo(tmp_path):
    upload = factories.make_jpeg(name="lamp.jpg")
    path = tmp_path / "lamp.jpg"
    path.write_bytes(upload.read())
    return path


def test_a_phone_sends_one_report_and_reloading_files_nothing(browser, live_server, public_form,
                                                              tmp_path):
    with new_context(browser, live_server, locale="zh-CN", width=PHONE, height=800,
                     geolocation={"latitude": 37.870123, "longitude": 112.550456},
                     permissions=["geolocation"]) as page:
        page.goto(f"{live_server.url}/report/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        expect(page.locator("#pick-map")).to_have_count(0)        # no tiles: no map to pick on
        category = page.get_by_label("这是哪一类问题？")
        expect(category.locator("option")).to_have_text(["— 请选择 —", "市政设施"])
        assert_accessible(page)
        category.select_option(label="市政设施")
        page.get_by_label("发现了什么问题？").fill("路灯不亮")
        page.get_by_label("在哪里？（街道、楼栋、附近标志）").fill("东巷口")
        page.get_by_role("button", name="使用我的位置").click()
        expect(page.get_by_label("纬度")).to_have_value("37.870123")
        expect(page.get_by_label("经度")).to_have_value("112.550456")
        page.get_by_label("照片（最多6张）").set_input_files(_photo(tmp_path))
        page.get_by_role("button", name="提交报告").click()
        expect(page).to_have_url(re.compile(r"/report/thanks/[A-Z0-9]+/$"))
        code = CitizenReport.objects.get().tracking_code
        expect(page.locator("#tracking-code")).to_have_text(code)
        assert_accessible(page)
        page.reload()
        expect(page.locator("#tracking-code")).to_have_text(code)
    report = CitizenReport.objects.get()
    assert (report.category.name, report.location, report.latitude, report.longitude) == (
        "市政设施", "东巷口", Decimal("37.870123"), Decimal("112.550456"))


def test_a_tap_on_the_map_fills_the_coordinates(browser, live_server, public_form, settings):
    settings.MAP_TILE_URL = f"{live_server.url}/static/no-tiles/{{z}}/{{x}}/{{y}}.png"
    with new_context(browser, live_server, locale="zh-CN", width=PHONE, height=800) as page:
        page.goto(f"{live_server.url}/report/")
        latitude = page.get_by_label("纬度")
        expect(latitude).to_have_value("")
        page.locator("#pick-map").click()
        expect(latitude).to_have_value(re.compile(r"^37\.8\d{5}$"))
        expect(page.get_by_label("经度")).to_have_value(re.compile(r"^112\.5\d{5}$"))
        expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
