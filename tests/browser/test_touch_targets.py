"""On a phone (375 px wide), the controls of the account and two-step verification pages, the
idle notice and the language switcher are at least 44 px tall (WCAG 2.5.5): no small buttons
below md (site.css, .touch-targets)."""

import datetime as dt
from base64 import b32decode

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.campaign.twofactor.conftest import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
TOUCH = 44
CONTROLS = ("els => els.filter(el => el.offsetParent !== null)"
            ".map(el => [el.textContent.trim() || el.id, Math.round(el.getBoundingClientRect().height)])")


def _heights(page, selector: str) -> dict[str, int]:
    page.wait_for_load_state("load")     # site.css applied: a layout read earlier may lack it
    return dict(page.eval_on_selector_all(selector, CONTROLS))


def _too_small(page, selector: str) -> dict[str, int]:
    heights = _heights(page, selector)
    assert heights, f"nothing matches {selector} on {page.url}"
    return {name: height for name, height in heights.items() if height < TOUCH}


def test_the_account_and_two_step_pages_have_44_px_controls_on_a_phone(page, live_server, login):
    factories.UserFactory(username="wang")
    login("wang")
    page.set_viewport_size(PHONE)
    url = live_server.url

    page.goto(f"{url}/accounts/two-factor/setup/")
    key = b32decode(page.locator("#setup-secret").inner_text().replace(" ", ""))
    assert _too_small(page, "main .btn, main .form-control") == {}
    page.get_by_label("6 位数字验证码").fill(code_for(key, dt.datetime.now(dt.UTC)))
    page.get_by_role("button", name="启用两步验证").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert _too_small(page, "main .btn") == {}

    page.goto(f"{url}/accounts/")
    assert set(_heights(page, "#account .btn")) == {
        "修改密码", "查看或重新生成恢复码", "更换手机", "关闭", "退出所有设备"}
    assert _too_small(page, "#account .btn, #account .form-control") == {}
    assert _too_small(page, "#language-switcher .btn, #language-switcher .form-select") == {}

    for path in ("/accounts/two-factor/", "/accounts/two-factor/recovery-codes/",
                 "/accounts/two-factor/turn-off/"):
        page.goto(f"{url}{path}")
        assert _too_small(page, "main .btn, main .form-control") == {}


def test_the_idle_notice_has_44_px_controls_on_a_phone(page, login, settings):
    settings.SESSION_IDLE = dt.timedelta(seconds=6)     # the notice after 4 s, the end after 6
    factories.UserFactory(username="wang")
    login("wang")
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("button", name="保持登录")).to_be_visible(timeout=15_000)
    assert _too_small(page, "#session-notice .btn") == {}
    expect(page.get_by_role("link", name="重新登录（在新标签页中打开）")).to_be_visible(timeout=15_000)
    assert _too_small(page, "#session-notice .btn") == {}
