"""Accepting an uploaded photo: the one way a Photo row and its files come to exist.

Rules (DOMAIN/issue): JPEG, PNG, WebP and HEIC; the whole image is decoded so fakes and
truncated files are refused; decompression bombs and oversized files are refused; orientation is
applied, EXIF is stripped (capture time and GPS kept as data first); a thumbnail is made.
Either everything is stored (both files and the row) or nothing is.

Memory (issue 14): a small file can unpack to a huge image (a 194 KB PNG of 7071 × 7071 is
150 MB of pixels). So the pixel count is checked from the header first (lower on the public form),
a JPEG is decoded already reduced (libjpeg's DCT scaling, `Image.draft`), every image is brought
down to the stored size at once and in place, and only then turned upright, flattened and encoded
(each of those a copy, now of at most 2560 × 2560). At most CONCURRENT_DECODES decodes run at
once in a process.
"""

import datetime as dt
import hashlib
import io
import logging
import math
import threading
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from campaign.calendar import campaign_zone
from campaign.models import Photo, Unit, User
from campaign.storage import OBJECT_STORE_ERRORS, STORAGE_ERRORS, reason

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
MAX_PIXELS = 50_000_000       # a 50-megapixel phone photo is fine; more is a bomb or a mistake
# The public form (随手拍) takes anonymous uploads: a phone's normal photo (12 MP, 24 MP on
# recent iPhones) passes; a 48-50 MP "full resolution" shot or a crafted PNG does not.
PUBLIC_MAX_PIXELS = 25_000_000
MAX_EDGE = 2560               # stored size: enough to read a shop sign, small on the intranet
THUMB_EDGE = 360
# Decodes at once in one process. Under gunicorn's sync workers a process serves one request at a
# time, so this never waits there and the server's total is (workers × one decode); it bounds the
# threaded runs (runserver, a gthread worker class) the same way.
CONCURRENT_DECODES = 2
_decode_slots = threading.BoundedSemaphore(CONCURRENT_DECODES)
# Modes Pillow resizes with a proper filter; the others (palette, 1-bit, 16-bit) are converted
# first, at full size, and are rare in photos.
RESIZABLE_MODES = {"RGB", "RGBA", "L", "LA", "CMYK", "YCbCr"}

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME = 0x9010            # EXIF 2.31: the offset of DateTime
OFFSET_TIME_ORIGINAL = 0x9011   # and of DateTimeOriginal
DATETIME = 0x0132
ORIENTATION = 0x0112
TURNED = {5, 6, 7, 8}         # EXIF orientations that swap width and height


class PhotoError(Exception):
    """The upload is not an acceptable photo; the message is for the person who sent it.
    `upload` is the file refused (set by store_photo), so a form can put the error on the field
    that sent it."""

    upload: object | None = None


@dataclass(frozen=True)
class CleanPhoto:
    """An upload read and re-encoded: the two JPEGs and what was kept from its EXIF."""

    main: bytes
    thumb: bytes
    width: int                 # the original's, upright
    height: int
    taken_at: dt.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def store_photo(upload, *, unit: Unit, by: User, max_pixels: int = MAX_PIXELS) -> Photo:
    """Check, clean and store one uploaded file; returns the saved Photo or raises PhotoError
    naming the upload. `max_pixels`: PUBLIC_MAX_PIXELS for anonymous uploads. A capture time
    the phone wrote without an offset is read in the unit's campaign's zone (one query for the
    campaign, unless the unit has it already)."""
    try:
        return _store_photo(upload, unit=unit, by=by, max_pixels=max_pixels)
    except PhotoError as error:
        error.upload = upload
        raise


def _store_photo(upload, *, unit: Unit, by: User, max_pixels: int) -> Photo:
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        raise PhotoError(_("“%(name)s” is too large (%(size)s MB); the limit is %(limit)s MB.") % {
            "name": name, "size": round(size / 1048576, 1),
            "limit": settings.PHOTO_MAX_BYTES // 1048576,
        })
    data = upload.read(settings.PHOTO_MAX_BYTES + 1)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise PhotoError(_("“%(name)s” is too large; the limit is %(limit)s MB.") % {
            "name": name, "limit": settings.PHOTO_MAX_BYTES // 1048576})
    clean = read_photo(data, name, max_pixels=max_pixels, zone=campaign_zone(unit.campaign))
    stem = uuid.uuid4().hex
    photo = Photo(
        unit=unit, width=clean.width, height=clean.height, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), original_name=name[:200],
        taken_at=clean.taken_at, latitude=clean.latitude, longitude=clean.longitude,
        uploaded_by=by, uploaded_at=timezone.now(),
    )
    try:
        photo.image.save(f"{stem}.jpg", ContentFile(clean.main), save=False)
        photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(clean.thumb), save=False)
        with transaction.atomic():
            photo.save()
    except Exception as error:
        discard_files(photo)
        if isinstance(error, OBJECT_STORE_ERRORS):
            logger.warning("Photo not stored: the object store failed", exc_info=True)
            raise PhotoError(
                _("The photo could not be saved: the photo store is not available (%(reason)s). "
                  "Nothing was stored. Attach the photos again and send in a few minutes; if it "
                  "keeps happening, tell your campaign office.") % {"reason": reason(error)}
            ) from error
        if isinstance(error, OSError):
            raise PhotoError(
                _("The photo could not be saved on the server (%(reason)s). Nothing was stored; "
                  "please tell your campaign office.") % {"reason": error.strerror or error}
            ) from error
        raise
    return photo


def discard_files(photo: Photo) -> None:
    """Remove a photo's files (after a failed save, or when the surrounding transaction fails).
    Never raises: it runs while another error is on its way up, which must not be masked."""
    for field in (photo.image, photo.thumbnail):
        if field.name:
            try:
                field.storage.delete(field.name)
            except STORAGE_ERRORS:
                # The store that just failed the save may fail the clean-up too: the file stays,
                # orphaned (no row points at it); the log names it for whoever tidies the store.
                logger.warning("Could not remove the photo file %s", field.name, exc_info=True)


def read_photo(data: bytes, name: str, *, max_pixels: int = MAX_PIXELS,
               zone: dt.tzinfo | None = None) -> CleanPhoto:
    """Decode, check and re-encode one file (no storage); raises PhotoError. `zone`: where a
    capture time written without an offset was taken (the campaign's, campaign_zone); None, the
    server's TIME_ZONE."""
    refused = PhotoError(
        _("“%(name)s” is not a photo we can read. Send a JPEG, PNG, WebP or HEIC picture.")
        % {"name": name}
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise refused
            if probe.width * probe.height > max_pixels:
                raise _too_many_pixels(name, probe.width, probe.height, max_pixels)
            exif = probe.getexif()
            width, height = probe.size
            if exif.get(ORIENTATION) in TURNED:
                width, height = height, width
            with _decode_slots:
                image = _reduced(probe)
                main = _encode(image)
                thumb = _encode(_thumbnail(image))
    except PhotoError:
        raise
    except Image.DecompressionBombError as error:   # Pillow's own, far past MAX_PIXELS
        raise PhotoError(
            _("“%(name)s” has too many pixels (at most %(limit)s million are accepted).")
            % {"name": name, "limit": MAX_PIXELS // 1_000_000}
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise refused from error
    latitude, longitude = _gps(exif)
    return CleanPhoto(main=main, thumb=thumb, width=width, height=height,
                      taken_at=_taken_at(exif, zone or campaign_zone(None)),
                      latitude=latitude, longitude=longitude)


def _too_many_pixels(name: str, width: int, height: int, limit: int) -> PhotoError:
    if limit < MAX_PIXELS:      # the public form: say what a phone should send instead
        return PhotoError(
            _("“%(name)s” has too many pixels (%(width)s × %(height)s): this form takes at most "
              "%(limit)s million. Send the photo at your camera's normal size.")
            % {"name": name, "width": width, "height": height, "limit": limit // 1_000_000}
        )
    return PhotoError(
        _("“%(name)s” has too many pixels (%(width)s × %(height)s).")
        % {"name": name, "width": width, "height": height}
    )


def _reduced(probe: Image.Image) -> Image.Image:
    """The whole file decoded (a truncated or fake file fails here), at the stored size,
    upright and in RGB. Peak memory: the decoded image plus a quarter of it (a 50 MP PNG: 250 MB,
    Pillow keeping 4 bytes a pixel); every later step works on at most 2560 × 2560."""
    if probe.format == "JPEG":
        # DCT scaling: decoded at 1/2, 1/4 or 1/8 while staying at least the stored size, so a
        # 50 MP JPEG never exists at full size. Every byte is still read and checked.
        probe.draft("RGB", _fitted(probe.size, MAX_EDGE))
    probe.load()
    image = probe
    if image.mode not in RESIZABLE_MODES:
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    factor = max(image.size) // MAX_EDGE
    if factor > 1:          # a cheap box reduction, still at least the stored size
        image = image.reduce(factor)
    if image is not probe:
        probe.close()       # frees the full-size pixels now, not when the file is closed
    image.thumbnail((MAX_EDGE, MAX_EDGE))   # in place
    ImageOps.exif_transpose(image, in_place=True)
    return _flatten(image)


def _fitted(size: tuple[int, int], edge: int) -> tuple[int, int]:
    """`size` scaled so its longer side is `edge` (unchanged when already smaller)."""
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("PA", "RGBA", "LA") or "transparency" in image.info


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _thumbnail(image: Image.Image) -> Image.Image:
    small = image.copy()        # of the stored size: at most 2560 × 2560
    small.thumbnail((THUMB_EDGE, THUMB_EDGE))
    return small


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)  # written without EXIF
    return buffer.getvalue()


def _taken_at(exif, zone: dt.tzinfo) -> dt.datetime | None:
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not raw:
        return None
    try:
        naive = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if not dt.MINYEAR < naive.year < dt.MAXYEAR:
        # A clock at year 1 or 9999 is no time: made aware and stored in UTC, it leaves the
        # range of a datetime (an OverflowError when the photo was saved).
        return None
    # EXIF 2.31 phones say the offset of the time they wrote (OffsetTimeOriginal, or OffsetTime
    # for DateTime); without one, a phone in the street shows the campaign's local time: read in
    # the campaign's zone, whatever the server's TIME_ZONE or the zone activated for a request.
    ifd = exif.get_ifd(EXIF_IFD)
    offset = ifd.get(OFFSET_TIME_ORIGINAL) if ifd.get(DATETIME_ORIGINAL) else ifd.get(OFFSET_TIME)
    if (written := _offset(offset)) is not None:
        return naive.replace(tzinfo=written)
    return timezone.make_aware(naive, zone)


def _offset(raw) -> dt.timezone | None:
    """An EXIF offset "+08:00" / "-05:30" as a zone; None when absent or not one."""
    text = str(raw or "").strip("\x00 ")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":" or not (
            text[1:3].isascii() and text[1:3].isdigit() and text[4:].isascii() and text[4:].isdigit()):
        return None
    hours, minutes = int(text[1:3]), int(text[4:])
    if hours > 14 or minutes > 59:
        return None
    sign = -1 if text[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(GPS_IFD)
    try:
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    # A camera with no fix writes 0, 0 (or marks the measurement void, GPSStatus "V"): no place,
    # not a photo taken in the Gulf of Guinea that the verifier is warned about.
    if (latitude == 0 and longitude == 0) or str(gps.get(9, "")).strip("\x00 ").upper() == "V":
        return None, None
    return latitude, longitude


def _degrees(parts, ref, negative_ref) -> Decimal:
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):
        # A rational over 0 reads as NaN (Pillow): no place, not a Decimal('NaN') that no
        # comparison accepts.
        raise ValueError(value)
    if str(ref).strip("\x00 ").upper() == negative_ref:
        value = -value
    return Decimal(str(round(value, 6)))
