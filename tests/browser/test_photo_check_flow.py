"""The verifier on a phone sees the yellow photo warnings on an item, closes anyway, and finds the
warnings in the timeline (issue 17, photo plausibility)."""

import datetime as dt
import io
import os
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from campaign.enums import Role
from campaign.photos import store_photo
from inspections import workflow
from inspections.enums import RectificationStatus as S
from inspections.models import Rectification
from tests import factories
from tests.browser.conftest import assert_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 375
LAT, LON = D("37.870000"), D("112.550000")


def exif_jpeg(taken: dt.datetime, latitude: float, longitude: float) -> SimpleUploadedFile:
    """A phone's JPEG: EXIF time (local, as a phone writes it) and GPS in degrees, minutes, seconds."""
    exif = Image.Exif()
    exif[0x0132] = f"{timezone.localtime(taken):%Y:%m:%d %H:%M:%S}"

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)

    exif.get_ifd(0x8825).update({1: "N", 2: dms(latitude), 3: "E", 4: dms(longitude)})
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (70, 140, 90)).save(buffer, "JPEG", quality=80, exif=exif)
    return SimpleUploadedFile("IMG_2001.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def warned_item(tree, member):
    """An item at a located point, submitted with an after-photo taken the day before it was filed,
    1.2 km north of the point (0.011° of latitude: 1223 m)."""
    inspector = member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    member(tree["city"], Role.COORDINATOR, username="coordinator", name="王协调")
    staff = member(tree["street_a"], Role.UNIT_STAFF, username="street", name="张街道")
    point = factories.PointFactory(unit=tree["street_a"], name="柳巷北口", latitude=LAT,
                                   longitude=LON)
    now = timezone.now().replace(second=0, microsecond=0)
    filed = now - dt.timedelta(days=2)
    item = workflow.file_rectification(unit=tree["street_a"], title="占道经营", point=point,
                                       by=inspector, at=filed, deadline=now + dt.timedelta(days=5))
    photo = store_photo(exif_jpeg(filed - dt.timedelta(days=1), 37.881, 112.55),
                        unit=tree["street_a"], by=staff)
    item = workflow.submit(item, by=staff, version=None, photos=[photo],
                           at=now - dt.timedelta(hours=1))
    return item, filed


def shot(page, name: str) -> None:
    """A full-page screenshot where the run keeps its artifacts (BROWSER_ARTIFACTS), to look at."""
    folder = os.environ.get("BROWSER_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"photo-check-{name}.png"), full_page=True)


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pass-word-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{url}/")


def test_the_verifier_closes_over_photo_warnings_on_a_phone(browser, live_server, settings,
                                                           warned_item):
    settings.DEBUG = True     # static files straight from the finders, as in development
    item, filed = warned_item
    taken = timezone.localtime(filed - dt.timedelta(days=1))
    warning = (f"照片 1 拍摄于立案之前（拍摄 {taken:%Y-%m-%d %H:%M}，"
               f"立案 {timezone.localtime(filed):%Y-%m-%d %H:%M}）")
    with new_context(browser, live_server, locale="zh-CN", width=PHONE, height=800) as page:
        log_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}{item.get_absolute_url()}")
        box = page.locator("#photo-check")
        expect(box).to_have_class("alert alert-warning small")
        expect(box.get_by_role("heading")).to_have_text("结案前请核对整改后照片")
        expect(box.locator("#photo-warnings li")).to_have_text([
            warning, "照片 1 距点位 1223 米（允许 200 米）"])
        # The photo the warnings name, beside them: its number under its thumbnail.
        expect(box.locator("#photo-warned a")).to_have_text(["照片 1"])
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        # Each moment on one line (a phone broke "2026-11-" from "28 01:49").
        for moment in box.locator(".text-nowrap").all():
            assert moment.evaluate("e => e.getClientRects().length") == 1
        shot(page, "zh-375")
        assert_accessible(page)

        close = page.locator("#step-close")
        close.get_by_label("管理").check()
        close.get_by_role("button", name="核查结案").click()
        recorded = page.get_by_role("list", name="核查人员知悉以下照片提示后仍予结案：")
        expect(recorded.locator("li")).to_have_text([warning, "照片 1 距点位 1223 米（允许 200 米）"])
        expect(page.locator("#photo-check")).to_have_count(0)
        shot(page, "zh-375-closed")
        assert_accessible(page)
    item = Rectification.objects.get(pk=item.pk)
    assert item.status == S.CLOSED
    assert item.events.get(action="closed").photo_warnings == 2


@pytest.mark.parametrize(("locale", "width"), [("zh-CN", 1280), ("en-US", PHONE), ("en-US", 1280)])
def test_the_photo_warnings_read_in_each_language_and_width(browser, live_server, settings,
                                                           warned_item, locale, width):
    settings.DEBUG = True
    item, _filed = warned_item
    heading = "结案前请核对整改后照片" if locale == "zh-CN" else "Check the after-photos before closing"
    with new_context(browser, live_server, locale=locale, width=width, height=800) as page:
        log_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}{item.get_absolute_url()}")
        expect(page.locator("#photo-check h2")).to_have_text(heading)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"{locale}-{width}")
        assert_accessible(page)
