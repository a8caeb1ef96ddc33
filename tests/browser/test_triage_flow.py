"""The campaign office merges two citizen reports of one problem into one item, in a browser."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from inspections.models import CitizenReport, Rectification
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_merges_two_reports_into_one_item(page, live_server, login, tree, member):
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    category = factories.CategoryFactory(standard__campaign=tree["city"].campaign, name="市容环境")
    made = {}
    for code, north in (("FIRST", Decimal("0")), ("SECOND", Decimal("0.0002"))):    # 22 m apart
        made[code] = CitizenReport.objects.create(
            campaign=tree["city"].campaign, tracking_code=code, description="垃圾桶满溢",
            location="五一路口", latitude=Decimal("37.870000") + north,
            longitude=Decimal("112.550000"), category=category)

    login("coordinator")
    page.goto(f"{live_server.url}/reports/")
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("FIRST")              # the longest waiting on top
    assert_accessible(page)

    rows.first.get_by_role("link", name="FIRST").click()
    expect(page.locator("#duplicate-list li")).to_have_count(1)
    expect(page.locator("#duplicate-list")).to_contain_text("SECOND")
    assert_accessible(page)
    page.get_by_label("合并 SECOND").check()
    page.get_by_label("责任单位").select_option(str(tree["street_a"].pk))
    page.get_by_label("整改事项标题").fill("五一路口垃圾桶满溢")
    page.get_by_role("button", name="立案交办").click()

    item = Rectification.objects.get()
    page.wait_for_url(f"**{item.get_absolute_url()}")
    expect(page.locator("body")).to_contain_text("2 条随手拍现并入事项")
    expect(page.locator(".event-merged")).to_have_count(1)
    assert sorted(item.citizen_reports.values_list("tracking_code", "status")) == [
        ("FIRST", "accepted"), ("SECOND", "accepted")]


def test_the_list_stays_readable_on_a_phone(page, live_server, login, tree, member):
    """The description and category columns keep a readable width (the table scrolls
    sideways) instead of one character a line; the report's page leads back to the list."""
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    category = factories.CategoryFactory(standard__campaign=tree["city"].campaign,
                                         name="和谐宜居的生活环境")
    CitizenReport.objects.create(
        campaign=tree["city"].campaign, tracking_code="PHONE", category=category,
        description="小区门口垃圾桶满溢，两天没人清运", location="巨轮街道东门垃圾站旁")
    login("coordinator")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/reports/")
    cells = page.locator("#report-table tbody tr").first.locator("td")
    assert cells.nth(1).bounding_box()["width"] >= 192       # 12rem
    assert cells.nth(2).bounding_box()["width"] >= 112       # 7rem
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    cells.first.get_by_role("link", name="PHONE").click()
    page.get_by_role("navigation", name="页面路径").get_by_role("link", name="市民随手拍").click()
    expect(page.get_by_role("heading", name="市民随手拍")).to_be_visible()
