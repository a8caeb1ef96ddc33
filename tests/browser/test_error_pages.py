"""The error pages on a phone (375 px), in Chinese: readable without sideways scrolling, the nav
for a signed-in person on 403 and 404, nothing but the page itself on 500 and 503, and no
serious accessibility violation (axe-core)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def error_site(page, settings, live_server):
    settings.ROOT_URLCONF = "tests.campaign.error_urls"   # the site plus views that fail
    settings.DEBUG = False                                # Django's own pages only in debug
    page.set_viewport_size(PHONE)
    return page


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px"


@pytest.mark.parametrize("path, status, heading", [
    ("/no-such-page/", 404, "页面不存在"),
    ("/forbidden/", 403, "没有权限"),
])
def test_403_and_404_keep_the_nav_for_a_signed_in_person(error_site, login, people, live_server,
                                                        path, status, heading):
    login("staff")
    response = error_site.goto(f"{live_server.url}{path}")
    assert response.status == status
    expect(error_site.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(error_site.locator("#mainnav")).to_have_count(1)
    _fits_the_phone(error_site)
    assert_accessible(error_site)


@pytest.mark.parametrize("path, status, heading", [
    ("/broken/", 500, "服务器出了点问题"),
    ("/database-down/", 503, "维护中"),
])
def test_500_and_503_need_nothing_but_themselves(error_site, live_server, path, status, heading):
    response = error_site.goto(f"{live_server.url}{path}")
    assert response.status == status
    expect(error_site.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(error_site.locator("#mainnav")).to_have_count(0)
    _fits_the_phone(error_site)
    assert_accessible(error_site)
