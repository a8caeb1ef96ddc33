"""A coordinator, who must use two-step verification, sets up an authenticator app at their first
sign-in, keeps the recovery codes, and signs in again with a code from the app."""

import datetime as dt
import re
from base64 import b32decode

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible
from tests.campaign.twofactor.conftest import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.two_factor_required]


def _password(page, live_server, next_url):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill("wang-coord")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()


def test_coordinator_sets_up_an_app_and_signs_in_with_it(page, live_server):
    city = factories.UnitFactory(parent=None, kind="headquarters", name="太原市创城指挥部")
    coordinator = factories.UserFactory(username="wang-coord", name="王协调")
    factories.MembershipFactory(user=coordinator, unit=city, role="coordinator")

    _password(page, live_server, "/units/")
    page.wait_for_url(re.compile(r"/accounts/two-factor/setup/\?next=%2Funits%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("设置两步验证")
    expect(page.locator("#setup-qr svg")).to_be_visible()
    assert_accessible(page)
    key = b32decode(page.locator("#setup-secret").inner_text().replace(" ", ""))
    set_up_at = dt.datetime.now(dt.UTC)
    page.get_by_label("6 位数字验证码").fill(code_for(key, set_up_at))
    page.get_by_role("button", name="启用两步验证").click()

    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="我已妥善保存，继续").click()
    page.wait_for_url(f"{live_server.url}/units/")

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _password(page, live_server, "/units/")
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/\?next=%2Funits%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("请输入验证码")
    assert_accessible(page)
    # The code of the step after the one that set it up: that one cannot be used again, and one
    # step either side of now is allowed (a phone's clock a little off), so the code is right
    # whether or not a 30-second step has begun since the set-up.
    page.get_by_label("验证码").fill(code_for(key, set_up_at + dt.timedelta(seconds=30)))
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{live_server.url}/units/")
    expect(page.locator("#nav-account")).to_be_visible()
