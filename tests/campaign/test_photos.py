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
