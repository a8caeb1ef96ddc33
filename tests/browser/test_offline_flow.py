"""A visit recorded where the signal dropped: the form is kept on the phone, its photo made
smaller there (time and place kept), and sent when the connection returns, once. A fix refused
because the item changed meanwhile waits for the person, who fixes it and sends it again."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.offline.models import Submission
from campaign.photos import read_photo
from inspections import workflow
from inspections.models import Inspection, Rectification
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVED = "已保存在本机，网络恢复后会自动发送。"


def phone_photo(width: int, height: int, orientation: int) -> bytes:
    """A noisy (so realistically large) JPEG with the EXIF a phone writes: capture time, GPS and
    an orientation."""
    image = Image.merge("RGB", [Image.effect_noise((width, height), 60)] * 3)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2019:05:02 10:15:30"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 52.0, 12.0)
    gps[3], gps[4] = "E", (112.0, 33.0, 36.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=92)
    return buffer.getvalue()


def stored_photo_bytes(page) -> list[int]:
    return page.evaluate("""async () => (await offlineQueue.allEntries()).flatMap(
        (entry) => entry.fields.filter((field) => field[1] && field[1].blob)
            .map((field) => field[1].blob.size))""")


def test_a_visit_saved_offline_is_sent_once_with_its_photo_reduced(page, live_server, login, tree,
                                                                  member, tmp_path):
    member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           name="占道经营", points=2)
    point = factories.PointFactory(unit=tree["street_a"], name="东巷")
    # 3000 × 2000 as the camera wrote it, turned a quarter (orientation 6): upright it is
    # 2000 × 3000, and reduced 1067 × 1600.
    original = phone_photo(3000, 2000, orientation=6)
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(original)
    expected = read_photo(original, "IMG_0001.jpg")

    page.set_viewport_size({"width": 390, "height": 844})
    login("inspector")
    page.goto(f"{live_server.url}/points/{point.pk}/visit/")
    key = page.locator("#visit-form [data-submission-key]").input_value()
    assert len(key) == 36 and key[14] == "4"
    page.context.set_offline(True)
    page.locator("#id_note").fill("东巷口")
    page.locator("#id_finding-0-criterion").select_option(str(criterion.pk))
    page.locator("#id_finding-0-note").fill("门口堆放杂物")
    page.locator("#id_finding-0-photos").set_input_files(str(path))
    page.locator("#visit-form button[type=submit]").click()

    notice = page.locator("#offline-notice")
    expect(notice).to_contain_text(SAVED)
    expect(notice).to_be_focused()
    badge = page.locator("#offline-queue-badge")
    expect(badge).to_have_text("1 条待发送")
    # Cleared for the next visit, with a new key.
    expect(page.locator("#id_note")).to_have_value("")
    assert page.locator("#visit-form [data-submission-key]").input_value() not in ("", key)
    reduced = stored_photo_bytes(page)
    assert len(reduced) == 1 and reduced[0] < len(original) / 4, (len(original), reduced)
    print(f"photo: {len(original)} bytes as taken, {reduced[0]} bytes queued")
    assert Inspection.objects.count() == 0

    page.context.set_offline(False)
    expect(notice).to_contain_text("已发送。")
    expect(badge).to_be_hidden()
    visit = Inspection.objects.get()
    assert visit.note == "东巷口"
    item = Rectification.objects.get()
    assert item.finding.inspection == visit and item.finding.note == "门口堆放杂物"
    photo = item.finding.photos.get()
    assert (photo.width, photo.height) == (1067, 1600)
    assert (photo.taken_at, photo.latitude, photo.longitude) == (
        expected.taken_at, expected.latitude, expected.longitude)
    assert photo.taken_at is not None and photo.latitude is not None

    # The same stored entry sent again (a retry after a lost answer): nothing more is filed.
    outcome = page.evaluate("""async () => {
        const entry = (await offlineQueue.allEntries())[0];
        return offlineQueue.send(entry);
    }""")
    assert outcome["status"] == "sent"
    assert outcome["result_url"] == reverse("inspections:inspection-detail", args=[visit.pk])
    assert Inspection.objects.count() == 1 and Submission.objects.count() == 1

    page.goto(f"{live_server.url}/offline/queue/")
    entry = page.locator(".offline-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("督查：东巷")
    expect(entry.locator(".offline-status")).to_have_text("已发送")
    assert_accessible(page)


def test_a_fix_refused_because_the_item_changed_is_fixed_and_sent_again(page, live_server, login,
                                                                       tree, member, tmp_path):
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    coordinator = member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    item = factories.file_item(tree["street_a"], by=inspector)
    path = tmp_path / "after.jpg"
    path.write_bytes(phone_photo(800, 600, orientation=1))

    login("street")
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.context.set_offline(True)
    form = page.locator("#step-submit")
    form.locator("textarea").fill("已清理完毕")
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    expect(page.locator("#offline-notice")).to_contain_text(SAVED)

    # Meanwhile the coordinator extends the deadline: the page the fix was typed on is stale.
    workflow.extend_deadline(item, by=coordinator, version=None,
                             deadline=item.deadline + dt.timedelta(days=5), reason="雨天")
    page.context.set_offline(False)
    notice = page.locator("#offline-notice")
    expect(notice).to_contain_text("打开表单后该事项已有变化，因此未保存任何内容")
    expect(notice.get_by_role("link", name="打开该事项查看当前状态")).to_be_visible()
    expect(page.locator("#offline-queue-badge")).to_have_text("1 条待发送")
    assert item.events.filter(action="submitted").count() == 0

    page.goto(f"{live_server.url}/offline/queue/")
    entry = page.locator(".offline-entry")
    expect(entry.locator(".offline-status")).to_have_text("被退回")
    assert_accessible(page)
    entry.get_by_role("link", name="修改后重新发送").click()

    notice = page.locator("#offline-notice")
    expect(notice).to_contain_text("此表单未被接受。请修改后重新发送")
    expect(notice).to_be_focused()
    form = page.locator("#step-submit")
    expect(form.locator("textarea")).to_have_value("已清理完毕")
    assert form.locator("input[type=file]").evaluate("(input) => input.files.length") == 1
    form.locator("button[type=submit]").click()

    expect(page.locator("main > .alert-success")).to_contain_text(item.code)
    assert item.events.filter(action="submitted").count() == 1
    expect(page.locator("#offline-queue-badge")).to_be_hidden()


def test_a_visit_saved_after_the_session_ended_is_sent_after_logging_in(page, live_server, login,
                                                                        tree, member):
    member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    point = factories.PointFactory(unit=tree["street_a"], name="西巷")
    login("inspector")
    page.goto(f"{live_server.url}/points/{point.pk}/visit/")
    page.locator("#id_note").fill("西巷口无问题")
    # The session ends while the form is open (the CSRF cookie stays, as after an idle logout).
    page.context.clear_cookies(name="sessionid")
    page.locator("#visit-form button[type=submit]").click()

    notice = page.locator("#offline-notice")
    expect(notice).to_contain_text("已保存在本机。您的登录已过期：重新登录后会自动发送。")
    expect(page.locator("#offline-queue-badge")).to_have_text("1 条待发送")
    assert Inspection.objects.count() == 0

    # Logging in rotates the CSRF token; the queue sends with the new one from the home page.
    login("inspector")
    expect(page.locator("#offline-queue-badge")).to_be_hidden()
    assert Inspection.objects.get().note == "西巷口无问题"
    page.goto(f"{live_server.url}/offline/queue/")
    expect(page.locator(".offline-entry .offline-status")).to_have_text("已发送")


def test_a_file_that_is_no_photo_goes_as_is_and_the_server_says_why_on_the_form(page, live_server,
                                                                               login, tree,
                                                                               member, tmp_path):
    member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    criterion = factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                           name="占道经营", points=2)
    point = factories.PointFactory(unit=tree["street_a"], name="南巷")
    path = tmp_path / "notes.jpg"
    path.write_bytes(b"not a photo at all")
    login("inspector")
    page.goto(f"{live_server.url}/points/{point.pk}/visit/")
    page.locator("#id_note").fill("南巷口")
    page.locator("#id_finding-0-criterion").select_option(str(criterion.pk))
    page.locator("#id_finding-0-photos").set_input_files(str(path))
    page.locator("#visit-form button[type=submit]").click()

    # The server's own answer, in place: what was typed and why, under the form's fields.
    expect(page.locator("#visit-form .alert-danger")).to_contain_text("notes.jpg")
    expect(page.locator("#id_note")).to_have_value("南巷口")
    # The page's own script works on the answer (one more finding row).
    rows = page.locator("fieldset.finding").count()
    page.locator("#add-finding").click()
    expect(page.locator("fieldset.finding")).to_have_count(rows + 1)
    assert Inspection.objects.count() == 0
    expect(page.locator("#offline-queue-badge")).to_have_text("1 条待发送")

    # Sent again without the file: it replaces the refused entry, and is filed.
    page.locator("#id_finding-0-photos").set_input_files([])
    page.locator("#visit-form button[type=submit]").click()
    expect(page.locator("main > .alert-success")).to_contain_text("督查记录已保存")
    assert Inspection.objects.get().note == "南巷口"
    expect(page.locator("#offline-queue-badge")).to_be_hidden()


def test_a_full_queue_refuses_to_save_and_keeps_what_was_typed(page, live_server, login, tree,
                                                               member):
    user = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    point = factories.PointFactory(unit=tree["street_a"], name="北巷")
    login("inspector")
    page.goto(f"{live_server.url}/points/{point.pk}/visit/")
    page.context.set_offline(True)
    # 50 forms already waiting on this phone (refused ones count: they are not sent yet).
    page.evaluate("""(user) => new Promise((resolve, reject) => {
        const open = indexedDB.open("campaign-offline", 1);
        open.onsuccess = () => {
            const tx = open.result.transaction("entries", "readwrite");
            for (let i = 0; i < 50; i++) {
                tx.objectStore("entries").put({user: user, url: "/x/", page: "/x/", title: "旧表单 " + i,
                    created: Date.now(), key: "", fields: [], status: "refused", reason: null});
            }
            tx.oncomplete = resolve;
            tx.onerror = reject;
        };
    })""", str(user.pk))
    page.locator("#id_note").fill("北巷口")
    page.locator("#visit-form button[type=submit]").click()
    expect(page.locator("#offline-notice")).to_contain_text("未保存：本机已有 50 份表单待发送")
    expect(page.locator("#id_note")).to_have_value("北巷口")
    count = page.evaluate("async () => (await offlineQueue.allEntries()).length")
    assert count == 50
