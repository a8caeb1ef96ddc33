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


PHONE = {"width": 375, "height": 812}


def test_on_a_phone_the_changes_are_cards_in_words_and_the_controls_a_finger_high(
        page, live_server, login, tree):
    from campaign.models import Point

    factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    for number in range(3):
        point = Point.objects.create(campaign=tree["city"].campaign, unit=tree["street_a"],
                                     code=f"P-{number}", kind="market", name="菜市场")
        point.unit = tree["street_b"]
        point.save()
    login("root")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/audit/")
    cards = page.locator("#audit-cards > .list-group-item")
    expect(cards.first).to_be_visible()
    expect(page.locator("#audit-table")).to_be_hidden()
    expect(cards.first).to_contain_text("乙街道")
    expect(cards.first).to_contain_text("甲街道")
    # No sideways scrolling, nothing cut off.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Every control of the filter and the export is at least 44 px high.
    controls = page.locator("#audit-filter input, #audit-filter select, #audit-filter .btn, #audit-export")
    heights = [box["height"] for box in (controls.nth(i).bounding_box() for i in range(controls.count()))]
    assert heights and min(heights) >= 44, heights
    # Values are not underlined unless they are links.
    assert page.evaluate(
        "[...document.querySelectorAll('#audit-cards ins')].every("
        "e => getComputedStyle(e).textDecorationLine === 'none')")
    assert_accessible(page)

    page.locator("#audit-tab-security").click()
    expect(page.locator("#audit-cards")).to_contain_text("登录")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
