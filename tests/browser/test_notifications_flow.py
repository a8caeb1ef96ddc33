import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.notifications.services import Message, notify
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_street_staff_open_a_reminder_from_the_nav_and_land_on_the_item(page, live_server, login,
                                                                        tree, member):
    coordinator = member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    item = factories.file_item(tree["street_a"], by=coordinator, title="门前堆放杂物")
    deadline = timezone.localtime(item.deadline)
    notify(Message(key=f"item:{item.pk}:due_today:{deadline:%Y-%m-%d}", kind="due_today",
                   url=reverse("inspections:rectification-detail", args=[item.pk]),
                   params={"code": item.code, "unit": tree["street_a"].name,
                           "deadline": f"{deadline:%Y-%m-%d %H:%M}", "title": item.title},
                   campaign_id=tree["city"].campaign_id, unit_id=tree["street_a"].pk),
           [staff], now=timezone.now())

    login("street")
    expect(page.locator("#nav-unread")).to_have_text("1 未读")
    expect(page.locator("#nav-inbox-compact")).to_be_hidden()   # one bell on a wide screen

    # On a phone the count shows beside the menu button, the menu closed.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("link", name="1 条未读消息")).to_be_visible()
    expect(page.locator("#nav-unread-compact")).to_have_text("1")
    expect(page.locator("#mainnav")).to_be_hidden()
    expect(page.locator("#nav-inbox")).to_be_hidden()
    assert_accessible(page)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.locator("#nav-inbox").click()
    page.wait_for_url("**/notifications/")
    reminder = page.get_by_role(
        "link", name=f"甲街道的整改事项 {item.code} 今天 {deadline:%Y-%m-%d %H:%M} 到期：门前堆放杂物")
    expect(reminder).to_be_visible()
    assert_accessible(page)
    reminder.click()
    page.wait_for_url(f"**/items/{item.pk}/")
    expect(page.locator("h1")).to_contain_text("门前堆放杂物")
    expect(page.locator("#nav-unread")).to_have_count(0)   # read now
    assert_accessible(page)

    # The inbox on a phone: read, no button left to mark it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("#notification-list li")).to_have_count(1)
    expect(page.get_by_role("link", name="消息", exact=True)).to_be_visible()
    expect(page.locator("#nav-unread-compact")).to_have_count(0)
    expect(page.get_by_role("button", name="标为已读", exact=True)).to_have_count(0)
    assert_accessible(page)


def test_coordinator_adds_a_group_robot_and_sets_their_quiet_hours(page, live_server, login, tree, member):
    member(tree["district_a"], Role.COORDINATOR, username="coordinator", name="王协调")
    login("coordinator")
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("link", name="甲区").click()
    page.get_by_label("Webhook 地址").fill("https://10.0.0.1/cgi-bin/webhook/send?key=secret-key-1234")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".invalid-feedback")).to_have_text(
        "服务器只能调用以下主机：qyapi.weixin.qq.com, oapi.dingtalk.com。")
    assert_accessible(page)
    page.get_by_label("Webhook 地址").fill(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-1234")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#webhook-table")).to_contain_text(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=••••1234")
    expect(page.locator("#webhook-table")).not_to_contain_text("secret-key")
    assert_accessible(page)

    page.goto(f"{live_server.url}/notifications/settings/")
    page.get_by_label("免打扰开始").fill("22:00")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("消息设置已保存。")
    expect(page.get_by_label("免打扰开始")).to_have_value("22:00")
    assert_accessible(page)
