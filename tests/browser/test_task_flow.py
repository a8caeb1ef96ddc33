import datetime as dt
import io
import os
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.photos import THUMB_EDGE
from tests import factories
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "#4caf50").save(buffer, "JPEG")
    return buffer.getvalue()


def test_split_report_and_see_it_on_the_board(page, live_server, login, tree, member):
    today = timezone.localdate()
    member(tree["district_a"], role=Role.COORDINATOR, username="coord", name="王协调")
    member(tree["street_a"], role=Role.UNIT_STAFF, username="street", name="张专干")
    top = factories.TaskFactory(unit=tree["district_a"], title="背街小巷整治", target=Decimal(100),
                                start=today - dt.timedelta(days=30), due=today + dt.timedelta(days=30))

    # The coordinator splits the task in two.
    login("coord")
    page.goto(f"{live_server.url}/tasks/{top.pk}/")
    page.get_by_role("link", name="分解任务").click()
    page.locator("#id_form-0-unit").select_option(str(tree["street_a"].pk))
    page.locator("#id_form-0-target").fill("60")
    page.locator("#id_form-1-unit").select_option(str(tree["lane_a"].pk))
    page.locator("#id_form-1-target").fill("30")
    expect(page.locator("#split-sum")).to_contain_text("相差 10")   # the page says they don't add up
    page.get_by_role("button", name="分解", exact=True).click()
    expect(page.locator("#split-error")).to_contain_text("还差 10")
    assert_accessible(page)
    page.locator("#id_form-1-target").fill("40")
    page.get_by_role("button", name="分解", exact=True).click()
    expect(page.locator("#task-children li")).to_have_count(2)

    # The street's staff reports progress with a photo.
    page.context.clear_cookies()
    login("street")
    page.goto(f"{live_server.url}/tasks/")
    page.get_by_role("link", name="背街小巷整治（甲街道）").click()
    page.get_by_role("link", name="报告进度").click()
    page.get_by_label("完成数量").fill("25")
    page.get_by_label("备注").fill("文庙巷、新民巷完成整治")
    page.get_by_label("照片").set_input_files(
        [{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": _photo_bytes()}]
    )
    page.get_by_role("button", name="提交报告").click()
    reports = page.locator("#task-reports")
    expect(reports).to_contain_text("文庙巷、新民巷完成整治")
    thumb = reports.locator("img.task-thumb")
    expect(thumb).to_have_count(1)
    # Served through the checked view: an 800×600 photo's thumbnail, once it has loaded (the
    # image is lazy, so it is brought into view first; the expectation waits for the load).
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_have_js_property("complete", True)
    expect(thumb).to_have_js_property("naturalWidth", THUMB_EDGE)
    expect(thumb).to_have_js_property("naturalHeight", THUMB_EDGE * 600 // 800)
    assert_accessible(page)

    # The coordinator's board shows it, rolled up to the parent.
    page.context.clear_cookies()
    login("coord")
    page.goto(f"{live_server.url}/tasks/")
    board = page.locator("#task-board")
    rows = board.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("25 / 100")
    expect(rows.nth(1)).to_contain_text("25 / 60")
    expect(rows.nth(2)).to_contain_text("0 / 40")
    assert_accessible(page)

    # On a phone (390 px wide) the board needs no sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots = os.environ.get("TASK_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, "board-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1440, "height": 900})
        page.screenshot(path=os.path.join(shots, "board-desktop.png"), full_page=True)
        page.goto(f"{live_server.url}/tasks/{top.pk}/")
        page.screenshot(path=os.path.join(shots, "detail-desktop.png"), full_page=True)
