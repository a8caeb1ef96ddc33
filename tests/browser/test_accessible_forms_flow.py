"""The site's frame and forms with a keyboard and a screen reader (issue 15): the skip link,
the nav's contrast (axe-core, desk and phone, both languages), and a refused step form whose
error summary takes the focus and sends it on to the field it names."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}


def test_the_skip_link_is_the_first_stop_and_takes_the_focus_to_main(page, live_server, login, submitted):
    login("coordinator")
    page.goto(f"{live_server.url}{submitted.get_absolute_url()}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 20   # shown, not clipped
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")      # the next stop is inside the page's content, past the nav
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_a_refused_step_focuses_its_summary_whose_link_focuses_the_field(page, live_server, login, submitted):
    login("coordinator")
    page.goto(f"{live_server.url}{submitted.get_absolute_url()}")
    form = page.locator("#step-close")
    form.get_by_label("备注").fill("门口已清理")
    # The browser would stop a send without a choice (required): the server's refusal is what
    # a browser that does not check, or a changed page, gets.
    form.locator("input[required]").evaluate_all("els => els.forEach(el => el.required = false)")
    form.get_by_role("button", name="核查结案").click()     # no way of solving chosen

    summary = form.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_text("处置方式（721工作法）：这个字段是必填项。")
    link.click()
    expect(page.locator("#id_close_method_0")).to_be_focused()
    # The group is a fieldset named by its legend; the error is read with it.
    group = page.get_by_role("group", name="处置方式（721工作法）")
    expect(group).to_have_attribute("aria-describedby", "id_close_method_error")
    expect(page.locator("#id_close_method_error")).to_be_visible()
    expect(form.get_by_label("备注")).to_have_value("门口已清理")
    assert_accessible(page)


def _axe_over(page, url: str) -> None:
    for viewport in (DESK, PHONE):
        page.set_viewport_size(viewport)
        page.goto(url)
        assert_accessible(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_home_and_item_pages_pass_axe_at_desk_and_phone_widths(page, live_server, login, submitted, language):
    login("coordinator")
    page.context.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": live_server.url}])
    _axe_over(page, f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    _axe_over(page, f"{live_server.url}{submitted.get_absolute_url()}")
    # The nav's white text on the campaign's red, in every state a link has.
    nav = page.locator("nav.site-nav")
    expect(nav).to_have_css("background-color", "rgb(176, 42, 55)")
    page.set_viewport_size(PHONE)
    page.locator(".navbar-toggler").click()
    link = page.locator("#mainnav .nav-link").first
    expect(link).to_be_visible()
    expect(link).to_have_css("color", "rgb(255, 255, 255)")
    link.hover()
    expect(link).to_have_css("color", "rgb(255, 255, 255)")
    assert_accessible(page)
