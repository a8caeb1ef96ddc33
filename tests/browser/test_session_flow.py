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
    # 2 minutes 5 seconds of idle: the notice (2 minutes before the end) comes after 5 seconds.
    settings.SESSION_IDLE = dt.timedelta(seconds=125)
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
    expect(page.get_by_role("alert")).to_contain_text("如无操作，您将在 2 分钟后自动退出。")
    assert_accessible(page)
    with page.expect_response(lambda response: response.url.endswith("/accounts/ping/")) as ping:
        page.get_by_role("button", name="保持登录").click()
    assert ping.value.status == 204
    expect(notice).to_be_hidden()
