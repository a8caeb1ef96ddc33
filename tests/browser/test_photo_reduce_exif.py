"""photo_reduce.js on the phone: the reduced JPEG keeps the original's EXIF (capture time, GPS)
with the Orientation made upright, in either byte order of TIFF; a JPEG without EXIF, a PNG and
a file the browser cannot decode come out whole and without a made-up EXIF."""

import base64
import io

import pytest
from PIL import Image

from campaign.enums import Role
from campaign.photos import read_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REDUCE = """async ([data, name, type]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const file = new File([bytes], name, {type: type});
    const out = await photoReduce.reduce(file);
    const result = new Uint8Array(await out.arrayBuffer());
    let text = "";
    for (let i = 0; i < result.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, result.subarray(i, i + 0x8000));
    }
    return [out.name, out.type, btoa(text)];
}"""


def photo(width: int, height: int, *, orientation: int | None = 6, endian: str = "<",
          thumbnail_bytes: int = 0, fmt: str = "JPEG") -> bytes:
    image = Image.merge("RGB", [Image.effect_noise((width, height), 60)] * 3)
    buffer = io.BytesIO()
    if orientation is None or fmt != "JPEG":
        image.save(buffer, fmt)
        return buffer.getvalue()
    exif = Image.Exif()
    exif.endian = endian
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2019:05:02 10:15:30"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 52.0, 12.0)
    gps[3], gps[4] = "E", (112.0, 33.0, 36.0)
    if thumbnail_bytes:
        # A big maker note stands in for a large embedded thumbnail: the APP1 nears its 64 KB.
        exif.get_ifd(0x8769)[0x927C] = b"\x00" * thumbnail_bytes
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=92)
    return buffer.getvalue()


@pytest.fixture
def reducer(page, live_server, login, tree, member):
    member(tree["city"], Role.INSPECTOR, username="inspector", name="李督查")
    login("inspector")
    page.add_script_tag(url=f"{live_server.url}/static/campaign/photo_reduce.js")
    page.wait_for_function("() => window.photoReduce !== undefined")

    def reduce(data: bytes, name: str, kind: str) -> tuple[str, str, bytes]:
        out_name, out_type, out = page.evaluate(REDUCE, [base64.b64encode(data).decode(), name, kind])
        return out_name, out_type, base64.b64decode(out)

    return reduce


@pytest.mark.parametrize("endian", ["<", ">"], ids=["little-endian", "big-endian"])
def test_exif_is_kept_and_made_upright_in_both_byte_orders(reducer, endian):
    original = photo(3000, 2000, endian=endian)
    assert original[original.index(b"Exif\x00\x00") + 6:][:2] == (b"II" if endian == "<" else b"MM")
    expected = read_photo(original, "a.jpg")
    name, kind, reduced = reducer(original, "IMG_1.JPG", "image/jpeg")
    assert (name, kind) == ("IMG_1.jpg", "image/jpeg")
    with Image.open(io.BytesIO(reduced)) as image:
        assert image.size == (1067, 1600)         # upright already: turned by the browser
        assert image.getexif()[0x0112] == 1       # so not turned again by the server
    clean = read_photo(reduced, "IMG_1.jpg")
    assert (clean.width, clean.height) == (1067, 1600)
    assert (clean.taken_at, clean.latitude, clean.longitude) == (
        expected.taken_at, expected.latitude, expected.longitude)
    assert clean.taken_at is not None and clean.latitude is not None


def test_an_exif_near_its_64_kb_is_copied_whole(reducer):
    original = photo(2400, 1800, orientation=1, thumbnail_bytes=60_000)
    name, _kind, reduced = reducer(original, "big.jpg", "image/jpeg")
    with Image.open(io.BytesIO(reduced)) as image:
        assert image.size == (1600, 1200)
        assert len(image.getexif().get_ifd(0x8769)[0x927C]) == 60_000
    assert read_photo(reduced, name).taken_at is not None


def test_a_jpeg_without_exif_and_a_png_are_reduced_without_one(reducer):
    for data, name, kind in [(photo(3200, 1600, orientation=None), "plain.jpg", "image/jpeg"),
                             (photo(2000, 2000, fmt="PNG"), "shot.png", "image/png")]:
        out_name, out_kind, reduced = reducer(data, name, kind)
        assert out_kind == "image/jpeg" and out_name.endswith(".jpg")
        with Image.open(io.BytesIO(reduced)) as image:
            assert max(image.size) == 1600 and not image.getexif()


def test_a_file_the_browser_cannot_decode_goes_as_it_is(reducer):
    # A HEIC (here: bytes no browser decodes) is sent whole; the server says what it makes of it.
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 5000
    assert reducer(heic, "IMG_2.HEIC", "image/heic") == ("IMG_2.HEIC", "image/heic", heic)
