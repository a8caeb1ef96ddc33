"""A close sent from a page loaded before someone else closed the item: the inspector gets the
item page back with the note they typed, read-only, the reason, and nothing to press."""

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from inspections import workflow
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "复查：门口杂物已清走，地面已冲洗"


def test_a_close_after_someone_else_closed_keeps_the_note(page, live_server, login, tree, member):
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    coordinator = member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    item = factories.file_item(tree["street_a"], by=inspector)
    photo = factories.store_photo_for(tree["street_a"], by=staff)
    item = workflow.submit(item, by=staff, version=None, photos=[photo])

    login("inspector")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.locator("#step-close").get_by_label("服务").check()
    page.locator("#step-close textarea").fill(NOTE)
    # Meanwhile the coordinator closes it.
    workflow.close(item, by=coordinator, version=None, method="management")
    page.locator("#step-close button[type=submit]").click()

    form = page.locator("#step-close")
    expect(form.locator(".step-refusal")).to_contain_text("不能进行“核查结案”")
    expect(form.locator("textarea")).to_have_value(NOTE)
    expect(form.locator("textarea")).to_have_attribute("readonly", "")
    expect(form.locator("button")).to_have_count(0)
    expect(page.locator("h1 .badge")).to_contain_text("已结案")
    assert_accessible(page)
