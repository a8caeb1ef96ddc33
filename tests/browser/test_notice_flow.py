import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.enums import Role
from inspections.models import Notice
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jpeg(tmp_path):
    path = tmp_path / "reply.jpg"
    path.write_bytes(factories.make_jpeg(320, 240).read())
    return str(path)


def test_issue_from_an_item_reply_and_close(page, live_server, login, tree, member, jpeg):
    coordinator = member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    item = factories.file_item(tree["street_a"], by=coordinator, title="东巷占道经营")
    year = timezone.localdate().year

    # The coordinator issues a notice from the item's page: the item and its unit are filled in.
    login("coordinator")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.locator("#notice-issue").click()
    expect(page.locator("#id_item_codes")).to_have_value(item.code)
    expect(page.locator("#id_unit")).to_have_value(str(tree["street_a"].pk))
    page.locator("#id_body").fill("东巷占道经营反复出现，请限期整改并书面回复。")
    page.locator("#id_reply_days").fill("3")
    page.locator("#id_reply_count").select_option("natural")
    assert_accessible(page)
    page.get_by_role("button", name="下发", exact=True).click()
    expect(page.locator("#notice-code")).to_have_text(f"市督〔{year}〕1号")
    expect(page.locator("#notice-items")).to_contain_text(item.code)
    assert_accessible(page)
    notice = Notice.objects.get()
    page.context.clear_cookies()

    # The street's staff reply from a phone, with a photo; the item links to the notice.
    page.set_viewport_size({"width": 390, "height": 844})
    login("street")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.locator("#notices").get_by_role("link", name=notice.code).click()
    page.locator("#id_reply_text").fill("已清理占道摊点，设置提示牌。")
    page.locator("#id_reply_photos").set_input_files(jpeg)
    assert_accessible(page)
    page.get_by_role("button", name="提交回复").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#notice-status")).to_contain_text("已回复")
    page.context.clear_cookies()

    # The coordinator reads the reply and closes the notice.
    page.set_viewport_size({"width": 1440, "height": 900})
    login("coordinator")
    page.goto(f"{live_server.url}{notice.get_absolute_url()}")
    expect(page.locator("#notice-replies")).to_contain_text("已清理占道摊点，设置提示牌。")
    expect(page.locator("#notice-replies img")).to_have_count(1)
    page.locator("#id_close_note").fill("同意办结")
    page.get_by_role("button", name="办结督办单").click()
    expect(page.locator("#notice-status")).to_contain_text("已结案")
    expect(page.locator("#timeline li")).to_have_count(3)
    assert_accessible(page)
