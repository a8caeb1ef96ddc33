"""The idle timeout seen from the page (campaign/static/campaign/session.js): typing pings the
server, and before the idle end a notice offers to stay logged in."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_pings_and_the_notice_keeps_the_session(page, live_server, login, settings,
                                                       monkeypatch):
    # 12 seconds of idle: the notice (a third of it, 4 seconds, before the end) comes after 8.
    settings.SESSION_IDLE = dt.timedelta(seconds=12)
    monkeypatch.setattr("campaign.accounts.timeouts.PING_EVERY", dt.timedelta(seconds=1))
    factories.UserFactory(username="wang")
    login("wang")
    notice = page.locator("#session-notice")
    expect(notice).to_be_hidden()

    page.wait_for_timeout(1_100)
    with page.expect_response(lambda response: response.url.endswith("/accounts/ping/")) as ping:
        page.locator("#nav-search-q").press_sequentially("井盖")
    assert ping.value.status == 204

    expect(notice).to_be_visible(timeout=15_000)
    expect(page.get_by_role("alert")).to_contain_text("如无操作，您将在 1 分钟后自动退出。")
    assert_accessible(page)
    with page.expect_response(lambda response: response.url.endswith("/accounts/ping/")) as ping:
        page.get_by_role("button", name="保持登录").click()
    assert ping.value.status == 204
    expect(notice).to_be_hidden()


def test_after_the_end_the_notice_opens_the_log_in_in_a_new_tab_and_the_form_can_be_sent(
        page, live_server, login, settings):
    settings.SESSION_IDLE = dt.timedelta(seconds=6)
    factories.UserFactory(username="wang")
    login("wang")
    page.locator("#language-select").select_option("en")     # a form being filled in
    notice = page.locator("#session-notice")
    expect(notice).to_contain_text("您因长时间未操作已自动退出。已填写的内容仍保留在本页", timeout=15_000)
    expect(page.get_by_role("button", name="保持登录")).to_be_hidden()
    again = page.get_by_role("link", name="重新登录（在新标签页中打开）")
    expect(again).to_have_attribute("target", "_blank")
    assert_accessible(page)
    # The page counts whole seconds and may end up to a second before the server does.
    page.wait_for_timeout(1_500)

    with page.context.expect_page() as opened:
        again.click()
    tab = opened.value
    tab.get_by_label("用户名").fill("wang")
    tab.get_by_label("密码").fill("pass-word-123")
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(f"{live_server.url}/")

    # Back on the first page: the notice goes, and the form takes the new session's CSRF token.
    expect(notice).to_be_hidden()
    expect(page.locator("#language-select")).to_have_value("en")
    page.locator("#language-switcher button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    tab.close()
