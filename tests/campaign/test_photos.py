import pytest

pytestmark = pytest.mark.django_db


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_decompression_bomb_gets_the_too_many_pixels_message(tree, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaign.photos import PhotoError, store_photo

    upload = SimpleUploadedFile("huge.png", _png_header(20000, 10000), content_type="image/png")
    with pytest.raises(PhotoError) as error:
        store_photo(upload, unit=tree["street_a"], by=people["staff"])
    assert str(error.value) == "“huge.png”的像素太多（最多接受5000万像素）。"


def _upload(name: str, image, **save):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    image.save(buffer, **save)
    return SimpleUploadedFile(name, buffer.getvalue())


PEAK_SCRIPT = """
import resource, sys
import django
django.setup()
from campaign.photos import MAX_PIXELS, read_photo
data = open(sys.argv[1], "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
clean = read_photo(data, "bomb.png", max_pixels=MAX_PIXELS)
assert (clean.width, clean.height, clean.main[:2]) == (7071, 7071, b"\\xff\\xd8")
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


def test_a_pixel_bomb_decodes_in_less_than_300_mb(tmp_path):
    """Issue 14: a 160 KB PNG of 7071 × 7071 (50 MP, just under the staff forms' cap) took 573 MB
    above the interpreter's own; Pillow's pixels escape tracemalloc, so a fresh process's peak
    RSS is measured (ru_maxrss, in KB on Linux)."""
    import os
    import subprocess
    import sys

    from PIL import Image

    bomb = Image.new("RGB", (7071, 7071), (120, 160, 200))
    bomb.paste((10, 20, 30), (0, 0, 7071, 3))
    bomb.save(tmp_path / "bomb.png", compress_level=9)
    del bomb
    assert (tmp_path / "bomb.png").stat().st_size < 300_000
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(tmp_path / "bomb.png")], capture_output=True,
        text=True, timeout=60, env={**os.environ, "DJANGO_SETTINGS_MODULE": "campaign.settings"})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) < 300


def test_a_phone_photo_is_stored_upright_with_its_time_and_gps(tree, people):
    """A 12 MP phone JPEG taken sideways (EXIF orientation 6: turn 90° clockwise) with GPS."""
    import datetime as dt
    from decimal import Decimal

    from PIL import Image

    from campaign.photos import store_photo

    sensor = Image.new("RGB", (4032, 3024), (200, 200, 200))
    sensor.paste((255, 0, 0), (0, 0, 400, 400))      # the sensor's top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x0132] = "2026:05:01 09:30:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 14.0, 30.0), 3: "E", 4: (121.0, 28.0, 15.0)})
    upload = _upload("IMG_0001.jpg", sensor, format="JPEG", quality=90, exif=exif)

    photo = store_photo(upload, unit=tree["street_a"], by=people["staff"])

    assert (photo.width, photo.height) == (3024, 4032)
    assert (photo.latitude, photo.longitude) == (Decimal("31.241667"), Decimal("121.470833"))
    assert photo.taken_at == dt.datetime(2026, 5, 1, 1, 30, tzinfo=dt.UTC)   # 09:30 in Shanghai
    with photo.image.open() as stored, Image.open(stored) as image:
        assert image.size == (1920, 2560) and not image.getexif()
        red, green, _blue = image.getpixel((1900, 20))    # turned clockwise: now top-right
        assert red > 200 and green < 60
        assert image.getpixel((20, 20))[1] > 150          # and the top-left is grey
    with photo.thumbnail.open() as stored, Image.open(stored) as thumb:
        assert thumb.size == (270, 360)


def test_a_heic_photo_is_accepted(tree, people):
    from PIL import Image

    from campaign.photos import store_photo

    upload = _upload("IMG_0002.heic", Image.new("RGB", (640, 480), (40, 120, 200)), format="HEIF")
    photo = store_photo(upload, unit=tree["street_a"], by=people["staff"])
    assert (photo.width, photo.height) == (640, 480)


def test_at_most_two_decodes_run_at_once_in_a_process(monkeypatch):
    """Eight threads each read a photo; the decode section is never entered by more than
    CONCURRENT_DECODES (2) at once, and every photo is read."""
    import io
    import threading
    import time

    from PIL import Image

    from campaign import photos

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 200, 30)).save(buffer, "JPEG")
    data = buffer.getvalue()
    inside, most = 0, 0
    lock = threading.Lock()
    real = photos._reduced

    def counted(probe):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)          # long enough for the other threads to queue up
        try:
            return real(probe)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(photos, "_reduced", counted)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(photos.read_photo(data, "a.jpg")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert photos.CONCURRENT_DECODES == 2
    assert most == 2 and len(results) == 8


def _exif_jpeg(exif):
    from PIL import Image

    return _upload("exif.jpg", Image.new("RGB", (40, 30), (90, 90, 90)), format="JPEG", exif=exif)


@pytest.mark.parametrize("parts", [((1, 0), (0, 1), (0, 1)), ((37, 1), (1, 0), (0, 1))])
def test_a_gps_rational_over_zero_gives_no_place(tree, people, parts):
    """A GPS value n/0 reads as NaN: stored with no place (it was a 500)."""
    from PIL import Image, TiffImagePlugin

    from campaign.photos import store_photo

    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: tuple(TiffImagePlugin.IFDRational(*p) for p in parts),
                                 3: "E", 4: (112.0, 33.0, 0.0)})
    exif[0x0132] = "2026:05:01 09:30:00"
    photo = store_photo(_exif_jpeg(exif), unit=tree["street_a"], by=people["staff"])
    assert (photo.latitude, photo.longitude) == (None, None)
    assert photo.taken_at is not None


@pytest.mark.parametrize(("raw", "expected"), [
    ("0001:01:01 00:00:00", None),
    ("9999:12:31 23:59:59", None),
    ("0002:01:01 00:00:00", "0001-12-31T15:54:17+00:00"),
    ("9998:12:31 23:59:59", "9998-12-31T15:59:59+00:00"),
])
def test_an_exif_time_at_the_ends_of_the_calendar(tree, people, raw, expected):
    """Year 1 or 9999 in Shanghai leaves a datetime's range in UTC (an OverflowError, a 500):
    no time recorded; the years inside are kept as the phone's clock said."""
    import datetime as dt

    from PIL import Image

    from campaign.photos import store_photo

    exif = Image.Exif()
    exif[0x0132] = raw
    photo = store_photo(_exif_jpeg(exif), unit=tree["street_a"], by=people["staff"])
    photo.refresh_from_db()
    assert (photo.taken_at.astimezone(dt.UTC).isoformat() if photo.taken_at else None) == expected


@pytest.mark.parametrize(("gps", "expected"), [
    ({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}, (None, None)),     # no fix
    ({1: "N", 2: (37.0, 52.0, 12.0), 3: "E", 4: (112.0, 33.0, 0.0), 9: "V"}, (None, None)),
    ({1: "N", 2: (37.0, 52.0, 12.0), 3: "E", 4: (112.0, 33.0, 0.0), 9: "A"},
     ("37.870000", "112.550000")),
    ({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (112.0, 33.0, 0.0)}, ("0.000000", "112.550000")),
])
def test_a_camera_without_a_fix_gives_no_place(tree, people, gps, expected):
    """0, 0 or a void measurement (GPSStatus V) is no place (it was a far-from-the-point warning
    of some 12,000 km); the equator alone is a place."""
    from decimal import Decimal

    from PIL import Image

    from campaign.photos import store_photo

    exif = Image.Exif()
    exif.get_ifd(0x8825).update(gps)
    photo = store_photo(_exif_jpeg(exif), unit=tree["street_a"], by=people["staff"])
    photo.refresh_from_db()
    assert (photo.latitude, photo.longitude) == tuple(
        None if value is None else Decimal(value) for value in expected)


@pytest.mark.parametrize(("tags", "utc"), [
    ({0x9003: "2026:05:01 09:30:00", 0x9011: "+02:00"}, "2026-05-01T07:30:00+00:00"),
    ({0x9003: "2026:05:01 09:30:00", 0x9011: "-05:30"}, "2026-05-01T15:00:00+00:00"),
    ({0x9003: "2026:05:01 09:30:00"}, "2026-05-01T01:30:00+00:00"),                # Shanghai
    ({0x9003: "2026:05:01 09:30:00", 0x9010: "+02:00"}, "2026-05-01T01:30:00+00:00"),  # not its
    ({0x9003: "2026:05:01 09:30:00", 0x9011: "+25:00"}, "2026-05-01T01:30:00+00:00"),
    ({0x9003: "2026:05:01 09:30:00", 0x9011: "+8:00"}, "2026-05-01T01:30:00+00:00"),
    ({0x9003: "2026:05:01 09:30:00", 0x9011: "+０８:00"}, "2026-05-01T01:30:00+00:00"),
    ({0x9010: "+09:00"}, "2026-05-01T00:30:00+00:00"),        # DateTime (IFD0) with its offset
])
def test_an_exif_time_with_its_offset(tree, people, tags, utc):
    """The offset a phone wrote with the time is kept; none (or none that reads) is the campaign's
    local time."""
    import datetime as dt

    from PIL import Image

    from campaign.photos import store_photo

    exif = Image.Exif()
    exif[0x0132] = "2026:05:01 09:30:00"
    exif.get_ifd(0x8769).update(tags)
    photo = store_photo(_exif_jpeg(exif), unit=tree["street_a"], by=people["staff"])
    photo.refresh_from_db()
    assert photo.taken_at.astimezone(dt.UTC).isoformat() == utc


@pytest.mark.parametrize(("server", "campaign_zone", "utc"), [
    ("UTC", "Asia/Shanghai", "2026-03-05T02:00:00+00:00"),
    ("Asia/Shanghai", "Asia/Shanghai", "2026-03-05T02:00:00+00:00"),
    ("Asia/Shanghai", "Asia/Urumqi", "2026-03-05T04:00:00+00:00"),     # UTC+6
])
def test_an_exif_time_without_offset_is_the_campaigns_local_time(tree, people, settings, server,
                                                                   campaign_zone, utc):
    """A phone set to the campaign's local time writes no offset: the time is read in the
    campaign's zone, whatever the server's TIME_ZONE or the zone a request activated."""
    import datetime as dt

    from django.utils import timezone
    from PIL import Image

    from campaign.models import Campaign
    from campaign.photos import store_photo

    settings.TIME_ZONE = server
    Campaign.objects.filter(pk=tree["city"].campaign_id).update(time_zone=campaign_zone)
    street = type(tree["street_a"]).objects.get(pk=tree["street_a"].pk)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:05 10:00:00"
    with timezone.override("America/New_York"):
        photo = store_photo(_exif_jpeg(exif), unit=street, by=people["staff"])
    photo.refresh_from_db()
    assert photo.taken_at.astimezone(dt.UTC).isoformat() == utc


def test_a_citizens_photo_is_read_in_the_campaigns_zone(tree, settings):
    """The public form stores the photos under the campaign's root unit: the same rule."""
    import datetime as dt

    from PIL import Image

    from inspections import services

    settings.TIME_ZONE = "UTC"
    exif = Image.Exif()
    exif[0x0132] = "2026:03:05 10:00:00"
    report = services.report_problem(campaign=tree["city"].campaign, description="占道经营",
                                     location="甲街口", uploads=[_exif_jpeg(exif)])
    assert [p.taken_at.astimezone(dt.UTC) for p in report.photos.all()] == [
        dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC)]
