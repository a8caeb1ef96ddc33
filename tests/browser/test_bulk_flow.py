import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from inspections import workflow
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_closes_three_items_in_one_bulk_step(page, live_server, login, tree, member):
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    photo = factories.store_photo_for(tree["street_a"], by=staff)
    chosen = []
    for title in ("占道经营", "乱堆乱放", "乱贴广告"):
        item = factories.file_item(tree["street_a"], by=inspector, title=title)
        item = workflow.acknowledge(item, by=staff, version=None)
        chosen.append(workflow.submit(item, by=staff, version=None, photos=[photo]))
    left = factories.file_item(tree["street_a"], by=inspector, title="车辆乱停")

    login("coordinator")
    page.goto(f"{live_server.url}/items/")
    expect(page.locator("#bulk-count")).to_have_text("已选 0 项")
    assert_accessible(page)
    for item in chosen:
        page.locator(f"#pick-{item.pk}").check()
    expect(page.locator("#bulk-count")).to_have_text("已选 3 项")
    page.get_by_role("button", name="对所选事项执行操作…").click()

    page.wait_for_url("**/items/bulk/")
    expect(page.locator("#bulk-items tbody tr")).to_have_count(3)
    close = page.locator("#bulk-close")
    close.get_by_label("管理").check()
    close.get_by_role("button").click()

    expect(page.locator("#bulk-done li")).to_have_count(3)
    for item in chosen:
        expect(page.locator("#bulk-done")).to_contain_text(item.code)
    expect(page.locator("#bulk-done .badge", has_text="已结案")).to_have_count(3)
    expect(page.locator("#bulk-refused")).to_have_count(0)
    assert_accessible(page)
    assert sorted(Rectification.objects.values_list("status", flat=True)) == sorted(
        [S.CLOSED] * 3 + [S.OPEN])
    assert set(Rectification.objects.filter(status=S.CLOSED).values_list("method", flat=True)) == {
        "management"}
    assert Rectification.objects.get(pk=left.pk).events.count() == 1


def test_select_all_on_a_phone(page, live_server, login, tree, member):
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector")
    member(tree["city"], Role.COORDINATOR, username="coordinator")
    items = [factories.file_item(tree["street_a"], by=inspector) for _ in range(2)]
    page.set_viewport_size({"width": 375, "height": 812})
    login("coordinator")
    page.goto(f"{live_server.url}/items/")
    page.get_by_label("全选本页").check()
    expect(page.locator("#bulk-count")).to_have_text("已选 2 项")
    page.locator(f"#pick-card-{items[0].pk}").uncheck()
    expect(page.locator("#bulk-count")).to_have_text("已选 1 项")
    assert_accessible(page)
    page.get_by_role("button", name="对所选事项执行操作…").click()
    page.wait_for_url("**/items/bulk/")
    expect(page.locator("#bulk-items tbody tr")).to_have_count(1)
    expect(page.locator("#bulk-void")).to_be_visible()
    assert_accessible(page)
