import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "lantern-river-42"


def test_a_person_changes_their_password_then_logs_out_everywhere(page, browser, live_server,
                                                                   login):
    factories.UserFactory(username="wang", name="王科员")
    # Another computer, logged in earlier.
    other = browser.new_context(locale="zh-CN").new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("用户名").fill("wang")
    other.get_by_label("密码").fill("pass-word-123")
    other.get_by_role("button", name="登录").click()
    other.wait_for_url(f"{live_server.url}/")

    login("wang")
    page.locator("#nav-account").click()
    page.wait_for_url("**/accounts/")
    expect(page.locator("h1")).to_have_text("我的账号")
    assert_accessible(page)

    # Too short first: the reason, in Chinese.
    page.locator("#id_old_password").fill("pass-word-123")
    page.locator("#id_new_password1").fill("lantern42")
    page.locator("#id_new_password2").fill("lantern42")
    page.get_by_role("button", name="修改密码").click()
    # Said under the field, and in the summary at the top of the form, which has the focus.
    expect(page.locator("#id_new_password2_error")).to_have_text("此密码太短，至少须包含 10 个字符。")
    expect(page.locator("#account .error-summary")).to_be_focused()
    expect(page.get_by_role("link", name="新密码确认：此密码太短，至少须包含 10 个字符。")).to_be_visible()
    assert_accessible(page)

    page.locator("#id_old_password").fill("pass-word-123")
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("alert")).to_contain_text("密码已修改。本设备保持登录，其他设备均已退出登录。")
    # The other computer's session has ended; this one holds.
    other.reload()
    expect(other.get_by_role("button", name="登录")).to_be_visible()
    other.context.close()

    page.get_by_role("button", name="退出所有设备").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text("您已在所有设备上退出登录（包括本设备）。")
    assert_accessible(page)
    login("wang", NEW)
    page.wait_for_url(f"{live_server.url}/")
