import datetime as dt
import io
import os
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from campaign.enums import Role
from tests import factories

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
    assert "相差 10" in page.locator("#split-sum").inner_text()     # the page says they don't add up
    page.get_by_role("button", name="分解", exact=True).click()
    assert "还差 10" in page.locator("#split-error").inner_text()
    page.locator("#id_form-1-target").fill("40")
    page.get_by_role("button", name="分解", exact=True).click()
    assert page.locator("#task-children li").count() == 2

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
    assert "文庙巷、新民巷完成整治" in reports.inner_text()
    thumb = reports.locator("img.task-thumb")
    assert thumb.count() == 1
    assert thumb.evaluate("img => img.naturalWidth") > 0            # served through the checked view

    # The coordinator's board shows it, rolled up to the parent.
    page.context.clear_cookies()
    login("coord")
    page.goto(f"{live_server.url}/tasks/")
    board = page.locator("#task-board")
    rows = board.locator("tbody tr")
    assert rows.count() == 3
    assert "25 / 100" in rows.nth(0).inner_text()
    assert "25 / 60" in rows.nth(1).inner_text()
    assert "0 / 40" in rows.nth(2).inner_text()

    # On a phone (390 px wide) the board needs no sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots = os.environ.get("TASK_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, "board-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=os.path.join(shots, "board-desktop.png"), full_page=True)
        page.goto(f"{live_server.url}/tasks/{top.pk}/")
        page.screenshot(path=os.path.join(shots, "detail-desktop.png"), full_page=True)
