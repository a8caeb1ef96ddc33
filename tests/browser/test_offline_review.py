"""The offline queue's edges found in review: a shared phone (another account's entries, a page
left open under one account while another logs in), an answer that is not this site's (a Wi-Fi
login page), a redirect to a path that would leave the site, the 7-day cleanup, two tabs."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.models import Progress
from campaign.offline.models import Submission
from campaign.tasks.services import ChildSpec, report_progress, split_task
from inspections.models import Inspection
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY_MS = 24 * 3600 * 1000

PUT_ENTRIES = """(entries) => new Promise((resolve, reject) => {
    const open = indexedDB.open("campaign-offline", 1);
    open.onupgradeneeded = () => open.result.createObjectStore(
        "entries", {keyPath: "id", autoIncrement: true});
    open.onsuccess = () => {
        const tx = open.result.transaction("entries", "readwrite");
        for (const entry of entries) {
            entry.created = Date.now() + entry.created;
            if (entry.sent !== undefined) entry.sent = Date.now() + entry.sent;
            tx.objectStore("entries").put(entry);
        }
        tx.oncomplete = resolve;
        tx.onerror = reject;
    };
})"""

EVERY_ENTRY = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open("campaign-offline", 1);
    open.onsuccess = () => {
        const request = open.result.transaction("entries").objectStore("entries").getAll();
        request.onsuccess = () => resolve(request.result.map((entry) => entry.title).sort());
        request.onerror = reject;
    };
})"""


def entry(user, title: str, url: str, *, status: str = "waiting", age_days: float = 0,
          fields: list | None = None) -> dict:
    result = {"user": str(user), "title": title, "url": url, "page": url, "key": "",
              "fields": fields or [], "status": status, "reason": None, "result_url": "",
              "created": -int(age_days * DAY_MS)}
    if status == "sent":
        result["sent"] = -int(age_days * DAY_MS)
        result["result_url"] = "/"
    return result


@pytest.fixture
def inspector(tree, member):
    return member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")


@pytest.fixture
def point(tree):
    return factories.PointFactory(unit=tree["street_a"], name="东巷")


def visit_fields(note: str) -> list:
    visited = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    return [["mode", "open"], ["visited_at", visited], ["note", note], ["finding-TOTAL_FORMS", "0"],
            ["finding-INITIAL_FORMS", "0"], ["submission_key", str(uuid.uuid4())]]


def test_another_accounts_entries_are_not_shown_nor_sent_and_old_sent_ones_go(
        page, live_server, login, tree, member, inspector, point):
    other = member(tree["city"], Role.INSPECTOR, username="insp2", name="王督查")
    url = reverse("inspections:visit-create", args=[point.pk])
    login("inspector")
    page.evaluate(PUT_ENTRIES, [
        entry(other.pk, "王的巡查", url, fields=visit_fields("王的")),
        entry(other.pk, "王的旧记录", url, status="sent", age_days=8),
        entry(inspector.pk, "李的旧记录", url, status="sent", age_days=8),
        entry(inspector.pk, "李的新记录", url, status="sent", age_days=1),
    ])
    page.goto(f"{live_server.url}/offline/queue/")
    expect(page.locator(".offline-entry h2")).to_have_text(["李的新记录"])
    # Sent entries older than 7 days went, whoever sent them; another's waiting one stays,
    # unsent: it goes only under its own account.
    page.evaluate("() => offlineQueue.runQueue()")
    assert page.evaluate(EVERY_ENTRY) == ["李的新记录", "王的巡查"]
    assert Inspection.objects.count() == 0
    expect(page.locator("#offline-queue-badge")).to_be_hidden()


def test_a_page_left_open_under_one_account_does_not_send_under_the_next(
        page, live_server, login, tree, member, inspector, point):
    other = member(tree["city"], Role.INSPECTOR, username="insp2", name="王督查")
    url = reverse("inspections:visit-create", args=[point.pk])
    login("inspector")
    # The page still believes it is 李's; the session is now 王's (logged in in another tab).
    outcome = page.evaluate("(entry) => offlineQueue.send(entry)",
                            entry(other.pk, "王的巡查", url, fields=visit_fields("王的")))
    assert outcome["status"] == "waiting" and outcome["reason"] == {"code": "other-user"}
    assert Inspection.objects.count() == 0


def test_an_answer_that_is_not_this_sites_page_keeps_the_entry_waiting(
        page, live_server, login, inspector, point):
    url = reverse("inspections:visit-create", args=[point.pk])
    login("inspector")
    # A Wi-Fi login page answering in the server's place, with words that look like a refusal.
    page.route(f"{live_server.url}{url}", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body='<html><body><main><div class="alert alert-danger">请先登录 Wi-Fi</div></main></body></html>'))
    outcome = page.evaluate("(entry) => offlineQueue.send(entry)",
                            entry(inspector.pk, "李的巡查", url, fields=visit_fields("李的")))
    assert outcome["status"] == "waiting" and outcome["reason"] == {"code": "network"}


def test_a_result_path_with_two_leading_slashes_stays_on_the_site(page, live_server, login,
                                                                  inspector):
    login("inspector")
    # A fetch that ended on "//evil.example/x" of this site: given as is to location.assign it
    # would open evil.example.
    site_path = "(path) => offlineQueue.sitePath(new URL(location.origin + path))"
    assert page.evaluate(site_path, "//evil.example/x?a=1#b") == "/evil.example/x?a=1#b"
    assert page.evaluate(site_path, "/items/5/#step") == "/items/5/#step"


@pytest.mark.parametrize("locks", [True, False], ids=["web-locks", "plain-http-no-locks"])
def test_two_tabs_send_a_waiting_entry_once(page, live_server, login, inspector, point, locks):
    url = reverse("inspections:visit-create", args=[point.pk])
    if not locks:
        # As on a plain-http intranet, where browsers give no Web Locks.
        page.context.add_init_script(
            "Object.defineProperty(Navigator.prototype, 'locks', {get: () => undefined})")
    login("inspector")
    second = page.context.new_page()
    second.goto(f"{live_server.url}/offline/queue/")
    posts: list[str] = []
    page.context.on("request", lambda request: posts.append(request.url)
                    if request.method == "POST" and request.url.endswith(url) else None)
    fields = visit_fields("李的")
    visit_key = fields[-1][1]
    page.evaluate(PUT_ENTRIES, [entry(inspector.pk, "李的巡查", url, fields=fields)])
    # Both tabs start their runs at the same moment (the `online` event reaches every tab).
    page.evaluate("() => { window.run = offlineQueue.runQueue(); }")
    second.evaluate("() => { window.run = offlineQueue.runQueue(); }")
    page.evaluate("() => window.run")
    second.evaluate("() => window.run")
    assert page.evaluate("async () => (await offlineQueue.allEntries())"
                         ".map((e) => [e.status, e.reason])") == [["sent", None]]
    assert len(posts) == 1
    # Sent: what was typed is on the server now; the phone keeps only the key.
    assert page.evaluate("async () => (await offlineQueue.allEntries())[0].fields") == [
        ["submission_key", visit_key]]
    assert Inspection.objects.get().note == "李的"


def test_a_correction_of_a_report_corrected_meanwhile_comes_back_refused(page, live_server, login,
                                                                        tree, member):
    top = factories.TaskFactory(unit=tree["district_a"], title="甲区背街小巷", target=Decimal(100))
    street, _lane = split_task(top, [ChildSpec(tree["street_a"], Decimal(60)),
                                     ChildSpec(tree["lane_a"], Decimal(40))], by=None)
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    wrong = report_progress(street, quantity=Decimal(9), reported_on=timezone.localdate(), by=staff)
    login("street")
    page.goto(f"{live_server.url}{reverse('task-report', args=[street.pk])}?corrects={wrong.pk}")
    # Meanwhile the same report is corrected from another phone.
    report_progress(street, quantity=Decimal(6), reported_on=timezone.localdate(), by=staff,
                    corrects=wrong, note="多报3条")
    page.locator("#id_quantity").fill("7")
    page.locator("#id_note").fill("再改")
    page.locator("form.task-form button[type=submit]").click()
    # The server's answer in place: the reason, and what was typed; the entry waits as refused.
    expect(page.locator("#report-refusal")).to_contain_text("该进度报告已被更正过")
    expect(page.locator("#id_note")).to_have_value("再改")
    expect(page.locator("#offline-queue-badge")).to_have_text("1 条待发送")
    assert Progress.objects.count() == 2 and Submission.objects.count() == 0
    page.goto(f"{live_server.url}/offline/queue/")
    entry = page.locator(".offline-entry")
    expect(entry.locator(".offline-status")).to_have_text("被退回")
    expect(entry).to_contain_text("服务器未接受")
    expect(entry).to_contain_text("该进度报告已被更正过")
