"""An administrator issues an integration token from the nav, copies its key from the one page
that shows it, and revokes the token after confirming."""

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from integrations import tokens
from integrations.models import ApiToken
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_issues_and_revokes_a_token(page, live_server, login, tree):
    factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    account = factories.UserFactory(username="hotline")
    factories.MembershipFactory(user=account, unit=tree["district_a"], role=Role.COORDINATOR)

    login("root")
    page.locator("#nav-tokens").click()
    expect(page.get_by_role("heading", name="对接令牌")).to_be_visible()
    assert_accessible(page)
    page.locator("#issue-token").click()
    page.get_by_label("名称").fill("12345 热线")
    page.get_by_label("代表的账号（用户名）").fill("hotline")
    page.get_by_label("单位 *", exact=True).select_option(str(tree["street_a"].pk))
    page.get_by_label("读写").check()
    assert_accessible(page)
    page.get_by_role("button", name="签发令牌").click()
    expect(page.get_by_role("heading", name="令牌已签发")).to_be_visible()
    key = page.locator("#token-key").inner_text()
    assert tokens.authenticate(key) == ApiToken.objects.get(name="12345 热线")
    assert_accessible(page)

    page.get_by_role("link", name="返回令牌列表").click()
    token = ApiToken.objects.get()
    expect(page.locator("#token-table")).to_contain_text(token.prefix)
    page.get_by_role("link", name="吊销 12345 热线").click()
    page.get_by_role("button", name="吊销").click()
    expect(page.get_by_role("alert").first).to_contain_text("已吊销")
    assert tokens.authenticate(key) is None


def test_the_issue_form_fits_a_phone(page, live_server, login):
    factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    login("root")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/integrations/tokens/")
    expect(page.locator("#token-table")).to_contain_text("还没有令牌。")
    heights = page.locator("#token-table thead th").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().height)")
    assert max(heights) < 40, heights        # one line each (the table scrolls sideways)
    page.goto(f"{live_server.url}/integrations/tokens/new/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    for label in ("名称", "代表的账号（用户名）"):
        box = page.get_by_label(label).bounding_box()
        assert box["height"] >= 44 and box["width"] > 300, (label, box)
    assert page.locator("#id_unit").bounding_box()["width"] <= 351
    assert_accessible(page)
