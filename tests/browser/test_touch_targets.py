"""On a phone (375 px wide), controls are at least 44 px tall (WCAG 2.5.5) and text fields at
least 16 px (a phone zooms into a smaller one): the account and two-step verification pages,
the idle notice, the language switcher, the nav (bell, menu button, links), a list's filters,
the item page's step forms and the visit form. site.css does it below md for the whole site."""

import datetime as dt
from base64 import b32decode

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from inspections import workflow
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


FONT_SIZES = ("els => els.filter(el => el.offsetParent !== null)"
              ".map(el => [el.name || el.id, parseFloat(getComputedStyle(el).fontSize)])")
TEXT_FIELDS = "input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea"


def _small_text(page) -> dict[str, float]:
    """The visible text fields under 16 px."""
    page.wait_for_load_state("load")
    sizes = dict(page.eval_on_selector_all(TEXT_FIELDS, FONT_SIZES))
    assert sizes, f"no text field on {page.url}"
    return {name: size for name, size in sizes.items() if size < 16}


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
    assert _small_text(page) == {}        # the language switcher's select among them

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


def test_the_nav_filters_step_forms_and_visit_form_fit_a_finger_on_a_phone(
        page, live_server, login, tree, member):
    coordinator = member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    factories.MembershipFactory(user=coordinator, unit=tree["city"], role=Role.INSPECTOR)
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    item = factories.file_item(tree["street_a"], by=coordinator)
    photo = factories.store_photo_for(tree["street_a"], by=staff)
    item = workflow.submit(item, by=staff, version=None, photos=[photo])
    point = factories.PointFactory(unit=tree["street_a"])
    login("coordinator")
    page.set_viewport_size(PHONE)
    url = live_server.url

    # The nav: the bell and the menu button, then the links, search and log-out in the menu.
    assert set(_heights(page, "nav .navbar-toggler, #nav-inbox-compact")) == {"", "nav-inbox-compact"}
    assert _too_small(page, "nav .navbar-toggler, #nav-inbox-compact, nav .navbar-brand") == {}
    page.locator("nav .navbar-toggler").click()
    expect(page.locator("#mainnav")).to_be_visible()
    page.locator("#mainnav.show:not(.collapsing)").wait_for()
    assert _too_small(page, "#mainnav .nav-link, #mainnav .btn, #mainnav .form-control, #nav-account") == {}
    assert _small_text(page) == {}

    # A list's filters (folded below md behind their button).
    page.goto(f"{url}/items/")
    assert _too_small(page, "#filter-toggle") == {}
    page.locator("#filter-toggle").click()
    page.locator("#item-filter.show:not(.collapsing)").wait_for()
    assert _too_small(page, "#item-filter .form-control, #item-filter .form-select, "
                            "#item-filter .btn, #item-filter .form-check") == {}
    assert _small_text(page) == {}

    # The item page's step forms.
    page.goto(f"{url}{item.get_absolute_url()}")
    assert len(_heights(page, "form[id^=step-] .btn")) >= 3
    assert _too_small(page, "form[id^=step-] .btn, form[id^=step-] .form-control, "
                            "form[id^=step-] .form-select, form[id^=step-] .form-check") == {}
    assert _small_text(page) == {}

    # The visit form.
    page.goto(f"{url}/points/{point.pk}/visit/")
    expect(page.locator("#visit-form")).to_be_visible()
    assert _too_small(page, "#visit-form .btn, #visit-form .form-control, #visit-form .form-select, "
                            "#visit-form .form-check") == {}
    assert _small_text(page) == {}
