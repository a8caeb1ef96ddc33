"""Recurrence (复发) on a phone: the item page flags it and links to the earlier item."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.enums import Role
from tests import factories
from tests.browser.conftest import assert_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 375


def log_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pass-word-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{url}/")


@pytest.fixture
def recurred(tree, member):
    """An item of 甲街道 closed two days ago, and the same problem at the same point found again
    an hour ago."""
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    point = factories.PointFactory(unit=tree["street_a"], name="东巷背街")
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           name="占道经营")
    now = timezone.now()
    earlier = factories.RectificationFactory(
        unit=tree["street_a"], point=point, criterion=criterion, status="closed",
        closed_at=now - dt.timedelta(days=2), created_at=now - dt.timedelta(days=6),
        code="ZG-JIA-0001", title="东巷背街：占道经营")
    item = factories.file_item(tree["street_a"], by=inspector, point=point, criterion=criterion,
                               title="东巷背街：占道经营（再次发现）",
                               at=now - dt.timedelta(hours=1))
    assert item.recurrence_of == earlier
    return {"earlier": earlier, "item": item, **tree}


def test_a_phone_shows_the_recurrence_and_opens_the_earlier_item(browser, live_server, settings,
                                                                 recurred):
    settings.DEBUG = True     # static files straight from the finders, as in development
    earlier, item = recurred["earlier"], recurred["item"]
    with new_context(browser, live_server, locale="zh-CN", width=PHONE, height=800) as page:
        log_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}/items/{item.pk}/")
        expect(page.locator("#recurrence-badge")).to_have_text("复发")
        expect(page.locator("#item-recurrence")).to_contain_text("同一点位的同一问题已于")
        link = page.locator("#item-recurrence a")
        expect(link).to_have_text("ZG-JIA-0001")
        expect(link).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        expect(page.locator("#timeline")).to_contain_text("标记为复发")
        assert_accessible(page)
        link.click()
        expect(page).to_have_url(f"{live_server.url}/items/{earlier.pk}/")
        expect(page.locator("h1")).to_contain_text("ZG-JIA-0001")
        expect(page.locator("#recurrence-badge")).to_have_count(0)
        # The earlier item says the problem came back, and leads to the later item.
        expect(page.locator("#item-recurred")).to_contain_text("此问题后来复发 1 次：")
        later = page.locator("#later-items a")
        expect(later).to_have_text(item.code)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        assert_accessible(page)
        later.click()
        expect(page).to_have_url(f"{live_server.url}/items/{item.pk}/")
