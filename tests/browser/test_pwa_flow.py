"""The installable app offline (issue 15): an inspector keeps the day's pages on the phone, loses
the signal, and still opens a point's visit form from the round page; a page not kept gives the
offline page."""

import datetime as dt
import os
import shutil

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import User
from inspections import workflow
from inspections.models import InspectionRound, Rectification
from tests import factories
from tests.browser.conftest import CHROMIUM_FLAGS, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def one_page_at_a_time(monkeypatch):
    # The live server on SQLite shares one in-memory connection between its threads, which
    # breaks under parallel requests; a real server (and PostgreSQL) takes the default 4.
    if connection.vendor == "sqlite":
        monkeypatch.setattr("inspections.views.daypack.FETCHES_AT_ONCE", 1)


# Whether the shell cache holds the offline page in the given language (Content-Language).
KEPT_OFFLINE_PAGE_IN = """async (language) => {
  for (const name of await caches.keys()) {
    const kept = await (await caches.open(name)).match("/offline/");
    if (kept && kept.headers.get("Content-Language") === language) return true;
  }
  return false;
}"""

def _world():
    city = factories.UnitFactory(parent=None, kind="headquarters", name="太原市创城指挥部")
    district = factories.UnitFactory(parent=city, kind="district", name="杏花岭区")
    street = factories.UnitFactory(parent=district, kind="street", name="巨轮街道")
    inspector = factories.UserFactory(username="inspector", name="督查员")
    factories.MembershipFactory(user=inspector, unit=district, role="inspector")
    points = [factories.PointFactory(unit=street, code=f"P00{n}", name=name)
              for n, name in enumerate(["解放路背街", "桃园小区", "南华门市场"], start=1)]
    today = timezone.localdate()
    round_ = InspectionRound.objects.create(
        campaign=city.campaign, unit=district, name="本周随机抽检", seed=1, sample_size=3,
        starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=2),
        created_by=inspector)
    round_.points.set(points)
    # A fix waiting for the inspector's check, with its before- and after-photo.
    staff = factories.UserFactory(username="street-staff")
    factories.MembershipFactory(user=staff, unit=street, role="unit_staff")
    item = factories.file_item(street, by=inspector, title="井盖缺失",
                               photos=[factories.store_photo_for(street, by=inspector)])
    workflow.submit(item, by=staff, version=None,
                    photos=[factories.store_photo_for(street, by=staff)])
    return round_, points


def _keep(page):
    page.get_by_role("button", name="将今天的工作保存到本机").click()
    status = page.locator("#pwa-keep-status")
    expect(status).to_contain_text("保存 10 个页面", timeout=30_000)
    return status


def test_kept_pages_open_offline_and_others_give_the_offline_page(page, live_server, login):
    round_, points = _world()
    login("inspector")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    _keep(page)
    # The kept pages: the home page, the round, per point its visit form and page, the item
    # to verify; and the item page's two thumbnails.
    kept = page.evaluate("""async () => {
        const cache = await caches.open('pages-' + document.querySelector(
            'meta[name=campaign-pwa]').dataset.user);
        return (await cache.keys()).map((request) => new URL(request.url).pathname
            + new URL(request.url).search).sort();
    }""")
    assert len(kept) == 13      # 10 pages (the queue page too), 2 photos and the list of the pages
    assert f"/points/{points[0].pk}/visit/?round={round_.pk}" in kept

    page.goto(f"{live_server.url}/rounds/{round_.pk}/")
    expect(page.locator("#pwa-kept-banner")).to_have_count(0)
    # Chromium's offline emulation covers the service worker's own fetches too (checked: with
    # it on, the worker's fetch fails and it answers from the cache).
    page.context.set_offline(True)
    page.get_by_role("link", name="记录督查").first.click()
    expect(page).to_have_url(f"{live_server.url}/points/{points[0].pk}/visit/?round={round_.pk}")
    expect(page.locator("#pwa-kept-banner")).to_contain_text("离线副本，保存于")
    expect(page.locator("#content, main")).to_contain_text("解放路背街")
    # Typing into the form offline: the session notice says nothing.
    page.locator("textarea").first.fill("井盖缺失")
    expect(page.locator("#session-notice")).to_be_hidden()

    # The item page offline, with its photos.
    item = Rectification.objects.get()
    page.goto(f"{live_server.url}/items/{item.pk}/")
    expect(page.locator("#pwa-kept-banner")).to_be_visible()
    page.wait_for_function("""() => [...document.querySelectorAll('img.photo-thumb')]
        .every((img) => img.complete && img.naturalWidth > 0)""")
    assert page.locator("img.photo-thumb").count() == 4    # before/after, and in the timeline

    page.goto(f"{live_server.url}/items/")
    expect(page.locator("h1")).to_contain_text("您已离线")
    expect(page.locator("#pwa-kept-list")).to_contain_text("解放路背街")
    expect(page.locator("#pwa-kept-list a")).to_have_count(10)
    assert_accessible(page)
    page.context.set_offline(False)


def test_the_app_is_installable(browser, live_server, tmp_path, settings):
    # In a profile on disk: Playwright's usual contexts are incognito, where Chromium installs
    # nothing (its one installability error there is "in-incognito").
    settings.DEBUG = True
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()       # controlled by the worker now
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
        assert manifest["errors"] == []
    finally:
        context.close()


def test_another_person_on_the_phone_does_not_find_the_first_ones_pages(page, live_server, login):
    _world()
    login("inspector")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    _keep(page)
    names = "async () => (await caches.keys()).filter((name) => name.startsWith('pages-'))"
    inspector = User.objects.get(username="inspector")
    assert page.evaluate(names) == [f"pages-{inspector.pk}"]
    page.get_by_role("button", name="退出").first.click()
    expect(page.get_by_label("用户名")).to_be_visible()
    page.wait_for_function("caches.keys().then((names) => !names.some((n) => n.startsWith('pages-')))")
    assert page.evaluate(names) == []


def test_offline_the_session_notice_says_nothing_and_what_is_typed_stays(
        page, live_server, login, settings):
    round_, points = _world()
    settings.SESSION_IDLE = dt.timedelta(seconds=8)
    login("inspector")
    page.goto(f"{live_server.url}/points/{points[0].pk}/visit/?round={round_.pk}")
    page.context.set_offline(True)
    note = page.locator("textarea").first
    note.fill("井盖缺失")
    page.wait_for_timeout(10_000)     # past the idle end
    expect(page.locator("#session-notice")).to_be_hidden()
    expect(note).to_have_value("井盖缺失")
    # Back online the page tells what happened meanwhile, and the text is still there.
    page.context.set_offline(False)
    expect(page.locator("#session-notice")).to_contain_text("您因长时间未操作已自动退出")
    expect(note).to_have_value("井盖缺失")


KEEP = """async ([user, urls]) => {
    const registration = await navigator.serviceWorker.ready;
    return await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => { if (event.data.finished) resolve(event.data); };
        registration.active.postMessage({type: "keep", user, urls, atOnce: 1}, [channel.port2]);
    });
}"""
CACHED = """async (prefix) => {
    const found = [];
    for (const name of (await caches.keys()).filter((name) => name.startsWith(prefix))) {
        for (const request of await (await caches.open(name)).keys()) {
            found.push(new URL(request.url).pathname + new URL(request.url).search);
        }
    }
    return found.sort();
}"""


def test_the_shell_keeps_no_persons_page_and_a_lost_signal_keeps_the_earlier_pack(
        page, live_server, login):
    _world()
    login("inspector")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    user = str(User.objects.get(username="inspector").pk)
    # Without a day pack, the queue page is kept for the person when a page opens.
    page.reload()
    page.wait_for_function(f"caches.open('pages-{user}').then((c) => c.match('/offline/queue/'))"
                           ".then((found) => !!found)")
    _keep(page)
    # Shared by whoever holds the phone: static files and the offline page only (the queue
    # page, which names its person, is in the person's pages).
    shell = page.evaluate(CACHED, "shell-")
    assert [url for url in shell if not url.startswith("/static/")] == ["/offline/"]
    before = page.evaluate(CACHED, "pages-")
    assert "/offline/queue/" in before and len(before) == 13
    urls = [url for url in before if not url.startswith(("/photos/", "/offline/kept"))]

    # Keeping again with no signal: nothing fetched, nothing lost.
    page.context.set_offline(True)
    result = page.evaluate(KEEP, [user, urls])
    assert (result["kept"], result["failed"]) == (0, 10)
    assert page.evaluate(CACHED, "pages-") == before
    # A page kept before a deploy names the old hashed files: offline it gets today's.
    css = page.evaluate("""async () => {
        const response = await fetch('/static/campaign/site.0123456789ab.css');
        return [response.status, (await response.text()).length > 0];
    }""")
    assert css == [200, True]
    page.context.set_offline(False)

    # Pages answered for someone else (here: the pack asked for another person) are never kept.
    other = str(int(user) + 1000)
    assert page.evaluate(KEEP, [other, ["/", "/offline/queue/"]]) == {"finished": True, "ended": True}
    assert page.evaluate(CACHED, f"pages-{other}") == []


@pytest.mark.parametrize(("language", "keep", "done", "kept", "offline"), [
    ("zh-hans", "将今天的工作保存到本机", "保存 10 个页面", "离线副本，保存于", "您已离线"),
    ("en", "Keep today's work on this phone", "Kept 10 pages", "Offline copy kept at",
     "You are offline"),
])
def test_on_a_phone_the_keep_button_the_banner_and_the_offline_page_read_and_reach(
        page, live_server, login, language, keep, done, kept, offline):
    round_, points = _world()
    page.set_viewport_size({"width": 375, "height": 800})
    login("inspector")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The worker kept the offline page at install, in the login page's language; a page it
    # serves in another language has it kept again in that one. Loaded once more under the
    # worker (the first load may have come before it took the page), and waited for.
    page.reload()
    page.wait_for_function(KEPT_OFFLINE_PAGE_IN, arg=page.evaluate("document.documentElement.lang"))
    button = page.get_by_role("button", name=keep)
    expect(button).to_be_visible()
    # A thumb's reach in the street: 44 px.
    assert button.bounding_box()["height"] >= 44
    button.click()
    expect(page.locator("#pwa-keep-status")).to_contain_text(done, timeout=30_000)
    expect(button).to_be_enabled()
    # A finger lifts from a phone's screen: no pointer stays over the button (its hover colours),
    # and the colours do not fade (a contrast measured half-way through a fade failed on CI).
    page.emulate_media(reduced_motion="reduce")
    page.mouse.move(0, 0)
    assert_accessible(page)
    shots = os.environ.get("BROWSER_ARTIFACTS")
    if shots:
        page.screenshot(path=f"{shots}/pwa-home-{language}.png", full_page=True)

    page.context.set_offline(True)
    # Kept at 08:00, filled in at 11:30 in the street: the visit is recorded at 11:30.
    later = timezone.localtime().replace(hour=11, minute=30, second=0, microsecond=0)
    page.clock.set_fixed_time(later.replace(tzinfo=None))
    page.goto(f"{live_server.url}/points/{points[0].pk}/visit/?round={round_.pk}")
    expect(page.locator("#pwa-kept-banner")).to_contain_text(kept)
    expect(page.locator("#id_visited_at")).to_have_value(later.strftime("%Y-%m-%dT11:30"))
    assert_accessible(page)
    if shots:
        page.screenshot(path=f"{shots}/pwa-kept-{language}.png")
    page.goto(f"{live_server.url}/items/")
    expect(page.locator("h1")).to_contain_text(offline)
    expect(page.locator("#pwa-kept-list a")).to_have_count(10)
    for link in page.locator("#offline-page .btn").all():
        assert link.bounding_box()["height"] >= 44
    for row in page.locator("#pwa-kept-list li").all():
        assert row.bounding_box()["height"] >= 44
    # Each visit form names its point in the list.
    expect(page.locator("#pwa-kept-list")).to_contain_text("P001 解放路背街", use_inner_text=True)
    assert_accessible(page)
    if shots:
        page.screenshot(path=f"{shots}/pwa-offline-{language}.png", full_page=True)
    page.context.set_offline(False)
