import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from inspections.models import Rectification
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jpeg(tmp_path):
    path = tmp_path / "scene.jpg"
    path.write_bytes(factories.make_jpeg(320, 240).read())
    return str(path)


def test_visit_fix_and_close_show_on_the_timeline(page, live_server, login, tree, member, jpeg):
    member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           name="占道经营", points=2)
    point = factories.PointFactory(unit=tree["street_a"], name="东巷")

    # The inspector in the street, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    login("inspector")
    page.goto(f"{live_server.url}/points/{point.pk}/visit/")
    page.locator("#id_finding-0-criterion").select_option(str(criterion.pk))
    page.locator("#id_finding-0-note").fill("门口堆放杂物")
    page.locator("#id_finding-0-photos").set_input_files(jpeg)
    page.get_by_role("button", name="添加问题").click()   # a second row, left empty
    expect(page.locator("fieldset.finding")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("button", name="保存督查记录").click()
    page.wait_for_url("**/inspections/*/")
    page.get_by_role("link", name=Rectification.objects.get().code).click()
    expect(page.locator("#before-after img")).to_have_count(1)
    page.context.clear_cookies()

    # Street staff submit the fix with an after-photo.
    page.set_viewport_size({"width": 1440, "height": 900})
    login("street")
    item = Rectification.objects.get()
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    expect(page.locator("#step-submit")).to_be_visible()
    assert_accessible(page)
    page.locator("#step-submit textarea").fill("已清理完毕")
    page.locator("#step-submit input[type=file]").set_input_files(jpeg)
    page.locator("#step-submit button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("h1 .badge")).to_contain_text("已提交")
    page.context.clear_cookies()

    # The coordinator verifies and closes.
    login("coordinator")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.locator("#step-close").get_by_label("服务").check()
    page.locator("#step-close button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("h1 .badge")).to_contain_text("已结案")
    expect(page.locator("#timeline li")).to_have_count(3)
    for text in ("李督查", "张街道", "王协调", "已清理完毕"):
        expect(page.locator("#timeline")).to_contain_text(text)
    expect(page.locator("#before-after img")).to_have_count(2)
    assert_accessible(page)
    page.screenshot(path="/tmp/closed-loop-detail.png", full_page=True)

    # The street's page shows this month's figures (rendered with the page, no script needed).
    page.goto(f"{live_server.url}{tree['street_a'].get_absolute_url()}")
    figures = page.locator("#unit-figures")
    expect(figures.locator("tr", has_text="结案率").first).to_contain_text("100.0%")
