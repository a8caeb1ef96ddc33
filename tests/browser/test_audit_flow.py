import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_reads_the_audit_trail_and_filters_it(page, live_server, login):
    factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    campaign = factories.CampaignFactory(name="创城审计")

    login("root")
    page.locator("#nav-audit").click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    table = page.locator("#audit-table")
    expect(table).to_contain_text("创城审计")
    assert_accessible(page)

    page.get_by_label("对象类型").select_option(label="创建工作")
    page.get_by_role("button", name="筛选").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(f"#{campaign.pk}")

    page.locator("#audit-tab-security").click()
    expect(page.locator("#audit-table")).to_contain_text("登录")
    expect(page.locator("#audit-table")).to_contain_text("root")
    assert_accessible(page)
