"""Issue 15, reviewed with a phone in hand: a refused step form sent through the offline queue
says each of the server's reasons once on the queue page (the error summary repeats the fields'
errors; it is not read as reasons of its own)."""

import pytest
from playwright.sync_api import expect

from campaign.enums import Role
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_step_lists_each_reason_once_on_the_queue_page(page, live_server, login, submitted):
    login("coordinator")
    page.goto(f"{live_server.url}{submitted.get_absolute_url()}")
    form = page.locator("#step-return")
    form.locator("[required]").evaluate_all("els => els.forEach(el => el.required = false)")
    form.locator("button[type=submit]").click()         # no note: the server refuses
    expect(form.locator(".error-summary")).to_be_focused()

    page.goto(f"{live_server.url}/offline/queue/")
    entry = page.locator(".offline-entry")
    expect(entry.locator(".offline-status")).to_have_text("被退回")
    reasons = entry.locator("li")
    expect(reasons).to_have_text(["还有什么问题: 这个字段是必填项。"])
    assert_accessible(page)


def test_the_unit_figures_names_stay_readable_on_a_phone(page, live_server, login, tree, member):
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    login("coordinator")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/units/{tree['street_a'].pk}/figures/")
    names = page.locator("#unit-figures tbody th[scope=row]")
    expect(names.first).to_have_text("处置率")
    # Beside the long definitions a name kept at least 5em (80 px): 处置率 on one line.
    assert names.first.evaluate("th => th.getBoundingClientRect().width") >= 80
    box = names.first.evaluate("th => { const r = document.createRange(); r.selectNodeContents(th);"
                               " return r.getClientRects().length; }")
    assert box == 1
    expect(page.locator("#unit-figures thead th").first).to_have_attribute("scope", "col")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


def test_the_nav_keeps_one_row_on_a_narrow_phone_with_forms_waiting(page, live_server, login, tree, member):
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    login("coordinator")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/offline/queue/")
    brand = page.get_by_role("link", name="创城工作平台")
    toggler = page.locator(".site-nav .navbar-toggler")
    expect(brand).to_be_visible()
    # What offline_queue.js does when forms wait on this phone.
    page.evaluate("""() => { const badge = document.getElementById("offline-queue-badge");
                            badge.textContent = "1 条待发送"; badge.hidden = false; }""")
    expect(page.locator("#offline-queue-badge")).to_be_visible()
    expect(brand).to_be_visible()                # the flag, named by its hidden words
    assert toggler.bounding_box()["y"] < brand.bounding_box()["y"] + brand.bounding_box()["height"]
    assert page.locator(".site-nav").bounding_box()["height"] < 80     # one row
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert_accessible(page)


def test_the_site_nav_is_a_named_landmark_and_a_calendar_note_is_no_alert(page, live_server, login,
                                                                        submitted):
    login("coordinator")
    page.goto(f"{live_server.url}{submitted.get_absolute_url()}")
    # Beside the breadcrumb's and the pagers' navs, the site's own is told apart by its name.
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    # The only alert a refused step brings is its error summary (the calendar note, if any, is
    # read in the page's order, not announced with it).
    form = page.locator("#step-return")
    form.locator("[required]").evaluate_all("els => els.forEach(el => el.required = false)")
    form.locator("button[type=submit]").click()
    expect(form.locator(".error-summary")).to_be_focused()
    expect(page.locator("main [role=alert]")).to_have_count(1)
